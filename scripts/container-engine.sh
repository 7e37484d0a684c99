#!/usr/bin/env bash
# Sourced by the image scripts: picks the engine and, on machines where podman's defaults cannot run
# a container, a containers.conf that can.
#   ENGINE   podman where installed, else docker (override: CONTAINER_ENGINE=docker)
# With podman on a host whose cgroups are not the unified v2 hierarchy (hybrid or v1: crun refuses
# them) it exports CONTAINERS_CONF, unless the caller set one: runc, the cgroupfs manager, and
# default ulimits no higher than this shell's own (runc fails when asked to raise them). Nothing in
# /etc is touched.
ENGINE="${CONTAINER_ENGINE:-}"
if [ -z "$ENGINE" ]; then
  if command -v podman >/dev/null 2>&1; then
    ENGINE=podman
  elif command -v docker >/dev/null 2>&1; then
    ENGINE=docker
  else
    echo "container: neither podman nor docker is installed (Debian: apt-get install podman runc)" >&2
    return 5 2>/dev/null || exit 5
  fi
fi
if [ "$ENGINE" = podman ] && [ -z "${CONTAINERS_CONF:-}" ] \
    && [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
  _conf_dir="${XDG_RUNTIME_DIR:-/tmp}/cvmmap-streamer-podman-$(id -u)"
  mkdir -p "$_conf_dir"
  _nofile="$(ulimit -n)"
  _nproc="$(ulimit -u)"
  [ "$_nproc" = unlimited ] && _nproc=4096
  [ "$_nproc" -gt 4096 ] && _nproc=4096
  cat > "$_conf_dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=${_nofile}:${_nofile}", "nproc=${_nproc}:${_nproc}"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
  export CONTAINERS_CONF="$_conf_dir/containers.conf"
fi
