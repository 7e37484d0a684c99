package org.cvmmap.streamer.ingest.cvmmap;

import java.net.URI;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A cv-mmap producer's address: instance, namespace and IPC prefix, and the names derived from them
 * (docs/specs/cvmmap-ipc.md §0, core {@code target.cpp}).
 *
 * <p>Accepted forms: a plain instance name ({@code default}), or
 * {@code cvmmap://<instance>[@<prefix>][?namespace=<ns>]}. Pure value type: no I/O.
 *
 * @param instance  instance name, {@code [A-Za-z0-9][A-Za-z0-9._-]{0,22}}; also the sync message label
 * @param namespace namespace, default {@code cvmmap}, {@code [A-Za-z0-9][A-Za-z0-9._-]{0,31}}
 * @param prefix    absolute directory of the ZeroMQ socket, default {@code /tmp}, no trailing slash
 * @param shmOverride SHM object name given verbatim by the legacy {@code --shm-name}, or null (derived)
 * @param ipcOverride socket path given verbatim by the legacy {@code --zmq-endpoint ipc://PATH}, or null
 */
public record CvmmapTarget(String instance, String namespace, String prefix, String shmOverride, String ipcOverride) {

    /** Default namespace when none is given. */
    public static final String DEFAULT_NAMESPACE = "cvmmap";
    /** Default IPC prefix (directory of the ZeroMQ socket) when none is given. */
    public static final String DEFAULT_PREFIX = "/tmp";
    /** Longest Unix socket path libzmq accepts for {@code ipc://} (sun_path minus NUL). */
    public static final int MAX_IPC_PATH = 107;

    private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,22}");
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");

    public CvmmapTarget {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(prefix, "prefix");
    }

    /** A target whose names are all derived (the cvmmap:// and plain forms). */
    public CvmmapTarget(String instance, String namespace, String prefix) {
        this(instance, namespace, prefix, null, null);
    }

    /**
     * Parses a target.
     *
     * @param input a plain instance name or a {@code cvmmap://} URI
     * @return the validated target
     * @throws IllegalArgumentException naming the offending part when the input is not a valid target
     */
    public static CvmmapTarget parse(String input) {
        if (input == null || input.isEmpty()) {
            throw new IllegalArgumentException("cvmmap target is empty");
        }
        if (!input.contains("://")) {
            if (!INSTANCE.matcher(input).matches()) {
                throw new IllegalArgumentException("invalid cvmmap target '" + input
                        + "': plain cvmmap instance names match [A-Za-z0-9][A-Za-z0-9._-]{0,22}");
            }
            return new CvmmapTarget(input, DEFAULT_NAMESPACE, DEFAULT_PREFIX);
        }
        if (!input.startsWith("cvmmap://")) {
            throw new IllegalArgumentException("invalid cvmmap target '" + input + "': scheme must be cvmmap://");
        }
        String rest = input.substring("cvmmap://".length());
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String instance = rest;
        String prefix = DEFAULT_PREFIX;
        int at = rest.indexOf('@');
        if (at >= 0) {
            instance = rest.substring(0, at);
            prefix = normalisePrefix(input, rest.substring(at + 1));
        }
        if (!INSTANCE.matcher(instance).matches()) {
            throw new IllegalArgumentException("invalid cvmmap target '" + input + "': instance '" + instance
                    + "' must match [A-Za-z0-9][A-Za-z0-9._-]{0,22}");
        }
        String namespace = DEFAULT_NAMESPACE;
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                if (!key.equals("namespace")) {
                    throw new IllegalArgumentException("invalid cvmmap target '" + input + "': query key '" + key
                            + "' is not allowed (only 'namespace')");
                }
                if (!NAMESPACE.matcher(value).matches()) {
                    throw new IllegalArgumentException("invalid cvmmap target '" + input + "': namespace '" + value
                            + "' must match [A-Za-z0-9][A-Za-z0-9._-]{0,31}");
                }
                namespace = value;
            }
        }
        CvmmapTarget target = new CvmmapTarget(instance, namespace, prefix);
        if (target.ipcPath().length() > MAX_IPC_PATH) {
            throw new IllegalArgumentException("invalid cvmmap target '" + input + "': socket path "
                    + target.ipcPath() + " is longer than " + MAX_IPC_PATH + " characters");
        }
        return target;
    }

    /**
     * Builds the target of the legacy flag pair {@code --shm-name NAME --zmq-endpoint ipc://PATH}, as
     * the original streamer took them: both names are used verbatim (e.g. {@code test_stream} and
     * {@code ipc:///tmp/test_sync.ipc}). Instance and namespace (sync label, NATS key) come from NAME:
     * {@code <namespace>_<instance>}, or namespace {@value #DEFAULT_NAMESPACE} and instance NAME when it
     * has no '_'.
     *
     * @param shmName     the SHM object name (a leading '/' is ignored), no other '/'
     * @param zmqEndpoint an {@code ipc://} endpoint with an absolute socket path
     * @param label       the sync label (instance); when null derived from shmName as above
     * @throws IllegalArgumentException naming the flag at fault
     */
    public static CvmmapTarget fromLegacy(String shmName, String zmqEndpoint, String label) {
        String name = shmName.startsWith("/") ? shmName.substring(1) : shmName;
        if (name.isEmpty() || name.contains("/") || name.length() > 255) {
            throw new IllegalArgumentException("--shm-name '" + shmName + "' must be one name of 1..255 characters without '/'");
        }
        if (!zmqEndpoint.startsWith("ipc://")) {
            throw new IllegalArgumentException("--zmq-endpoint '" + zmqEndpoint + "' must be an ipc:// endpoint");
        }
        String path = zmqEndpoint.substring("ipc://".length());
        int slash = path.lastIndexOf('/');
        if (!path.startsWith("/") || slash == path.length() - 1) {
            throw new IllegalArgumentException("--zmq-endpoint '" + zmqEndpoint + "' must name an absolute socket path");
        }
        if (path.length() > MAX_IPC_PATH) {
            throw new IllegalArgumentException("--zmq-endpoint '" + zmqEndpoint + "': socket path is longer than "
                    + MAX_IPC_PATH + " characters");
        }
        int us = name.indexOf('_');
        boolean split = us > 0 && us < name.length() - 1;
        String namespace = split ? name.substring(0, us) : DEFAULT_NAMESPACE;
        String instance = label != null ? label : split ? name.substring(us + 1) : name;
        String prefix = slash == 0 ? "/" : path.substring(0, slash);
        if (!INSTANCE.matcher(instance).matches()) {
            throw new IllegalArgumentException("--shm-name '" + shmName + "': instance '" + instance
                    + "' must match [A-Za-z0-9][A-Za-z0-9._-]{0,22}");
        }
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("--shm-name '" + shmName + "': namespace '" + namespace
                    + "' must match [A-Za-z0-9][A-Za-z0-9._-]{0,31}");
        }
        CvmmapTarget derived = new CvmmapTarget(instance, namespace, prefix);
        if (derived.shmName().equals(name) && derived.ipcPath().equals(path)) {
            return derived; // the same target as cvmmap://instance@prefix?namespace=ns
        }
        return new CvmmapTarget(instance, namespace, prefix, name, path);
    }

    private static String normalisePrefix(String input, String raw) {
        if (!raw.startsWith("/")) {
            throw new IllegalArgumentException("invalid cvmmap target '" + input + "': prefix '" + raw
                    + "' must be an absolute path");
        }
        if (raw.contains("//")) {
            throw new IllegalArgumentException("invalid cvmmap target '" + input + "': prefix '" + raw
                    + "' must not contain '//'");
        }
        for (String seg : raw.split("/")) {
            if (seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("invalid cvmmap target '" + input + "': prefix '" + raw
                        + "' must not contain '.' or '..' segments");
            }
        }
        String p = raw;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    /** {@code <namespace>_<instance>}, e.g. {@code cvmmap_default}. */
    public String baseName() {
        return namespace + "_" + instance;
    }

    /** Name passed to {@code shm_open} (no leading slash); the object is {@code /dev/shm/<shmName>}. */
    public String shmName() {
        return shmOverride != null ? shmOverride : baseName();
    }

    /** Path of the Unix socket behind the ZeroMQ endpoint. */
    public String ipcPath() {
        return ipcOverride != null ? ipcOverride : (prefix.equals("/") ? "" : prefix) + "/" + baseName();
    }

    /** ZeroMQ endpoint, {@code ipc://<prefix>/<base_name>}. */
    public String zmqAddress() {
        return "ipc://" + ipcPath();
    }

    /** Key used in NATS subjects: base name with every '.' replaced by '_'. */
    public String natsTargetKey() {
        return baseName().replace('.', '_');
    }

    /** The canonical URI form of this target. */
    public URI toUri() {
        return URI.create("cvmmap://" + instance + "@" + prefix + "?namespace=" + namespace);
    }
}
