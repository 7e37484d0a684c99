#!/usr/bin/env bash
# Man pages for every command: `cvmmap-streamer man` writes them as AsciiDoc (picocli's generator,
# from the parser's own definitions), Debian's asciidoctor makes troff of them.
#   scripts/man-pages.sh [OUT]        # default target/man: OUT/adoc/*.adoc, OUT/man1/*.1
#   man -l target/man/man1/cvmmap-streamer-ctl.1
#   install: cp target/man/man1/*.1 /usr/local/share/man/man1/ && mandb
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/man}"
command -v asciidoctor >/dev/null || { echo "man-pages: asciidoctor is missing (apt-get install asciidoctor)" >&2; exit 5; }
# build when the jar is missing or older than a source file
if [ ! -f target/cvmmap-streamer.jar ] || [ -n "$(find src pom.xml -newer target/cvmmap-streamer.jar -print -quit)" ]; then
  mvn -B -ntp -q package -DskipTests
fi
rm -rf "$out/adoc" "$out/man1"
bin/cvmmap-streamer man --outdir "$out/adoc" >/dev/null
asciidoctor -b manpage -D "$out/man1" "$out"/adoc/*.adoc
echo "man-pages: $(ls "$out/man1" | wc -l) pages in $out/man1"
