#!/usr/bin/env bash
# tests/package/test_deb.sh BUILD_DIR SOURCE_DIR: builds the .deb from the build tree (cpack -G
# DEB, a few seconds) and checks what an operator gets: binaries, unit, conffiles, man pages,
# completion, docs, maintainer scripts, Depends; then `cmake --install` to another prefix
# rewrites the unit's paths. Exit 77 (ctest: skipped) without dpkg-deb/dpkg-shlibdeps.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
for tool in cpack dpkg-deb dpkg-shlibdeps gzip; do
    command -v "$tool" >/dev/null || { echo "test_deb: $tool not installed: skipping"; exit 77; }
done
tmp=$(mktemp -d /tmp/bitten-deb-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log" >&2; exit 1; }
deb=$(ls "$tmp"/out/bittend_*.deb)
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' > "$tmp/contents"
dpkg-deb -c "$deb" > "$tmp/contents.long"

# Files, where the FHS and Debian put them.
for path in /usr/sbin/bittend /usr/bin/bittenctl /usr/bin/bitten-ea-sim \
            /lib/systemd/system/bittend.service /etc/bitten/bittend.cfg /etc/bitten/stock-ea.cfg /etc/default/bittend \
            /usr/share/man/man8/bittend.8.gz /usr/share/man/man1/bittenctl.1.gz \
            /usr/share/bash-completion/completions/bittenctl \
            /usr/share/doc/bittend/copyright /usr/share/doc/bittend/README.md \
            /usr/share/doc/bittend/operations.md /usr/share/doc/bittend/security.md \
            /usr/share/doc/bittend/configuration.md; do
    grep -qx "$path" "$tmp/contents" || fail "$path is not in the package"
done
grep -q '^-rwxr-xr-x root/root .* \./usr/sbin/bittend$' "$tmp/contents.long" || fail "bittend is not 0755 root"
! grep -q '/usr/local' "$tmp/contents" || fail "the package installs under /usr/local"

# Control: conffiles exactly, Depends from shlibdeps, maintainer scripts.
dpkg-deb -e "$deb" "$tmp/ctrl"
printf '/etc/bitten/bittend.cfg\n/etc/bitten/stock-ea.cfg\n/etc/default/bittend\n' | diff - "$tmp/ctrl/conffiles" || fail "conffiles"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in adduser libc6 libzmq5 libczmq4 libjansson4 libsimdjson14 libstdc++6 libsqlite3-0 libsystemd0 libev4; do
    [[ ", $depends" == *", $lib"* ]] || fail "Depends lacks $lib: $depends"
done
[ -n "$(dpkg-deb -f "$deb" Description)" ] || fail "no Description"
for script in postinst prerm postrm; do
    [ -x "$tmp/ctrl/$script" ] || { fail "$script missing or not executable"; continue; }
    sh -n "$tmp/ctrl/$script" || fail "$script: shell syntax"
done
grep -q 'adduser --quiet --system' "$tmp/ctrl/postinst" || fail "postinst makes no system user"
grep -q 'install -d -o bitten -g bitten -m 0750 /var/lib/bitten' "$tmp/ctrl/postinst" ||
    fail "postinst does not make /var/lib/bitten 0750 bitten"
grep -q '\[ ! -e /etc/bitten/keys/server.cert_secret \]' "$tmp/ctrl/postinst" ||
    fail "postinst key generation is not guarded by an existing key"
! grep -Eq 'systemctl (--system )?(enable|start)|deb-systemd-invoke (start|restart)' "$tmp/ctrl/postinst" ||
    fail "postinst enables or starts the service"
grep -q 'deb-systemd-helper purge' "$tmp/ctrl/postrm" || fail "postrm purge leaves the enable state"
grep -q 'deb-systemd-invoke stop' "$tmp/ctrl/prerm" || fail "prerm does not stop the service"

# What is inside the files.
dpkg-deb -x "$deb" "$tmp/root"
unit="$tmp/root/lib/systemd/system/bittend.service"
grep -qx 'ExecStart=/usr/sbin/bittend --config /etc/bitten/bittend.cfg $BITTEND_OPTS' "$unit" || fail "unit ExecStart"
grep -qx 'EnvironmentFile=-/etc/default/bittend' "$unit" || fail "unit EnvironmentFile"
grep -q '^Documentation=man:bittend(8) man:bittenctl(1) file:///usr/share/doc/bittend/operations.md$' "$unit" ||
    fail "unit Documentation="
grep -q '^BITTEND_OPTS=' "$tmp/root/etc/default/bittend" || fail "/etc/default/bittend has no BITTEND_OPTS"
# The shipped config never asks for EA secrets in the clients dir (docs/security.md).
! grep -q 'keygen --uuid [A-Z]* --dir /etc/bitten/keys/clients' "$tmp/root/etc/bitten/bittend.cfg" ||
    fail "bittend.cfg puts EA secrets in clients_dir"
for page in man8/bittend.8 man1/bittenctl.1; do
    gzip -t "$tmp/root/usr/share/man/$page.gz" || fail "$page.gz"
    if command -v man >/dev/null; then
        warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$tmp/root/usr/share/man/$page.gz" 2>&1 >/dev/null || true)
        [ -z "$warn" ] || fail "$page: $warn"
    fi
done
bash -n "$tmp/root/usr/share/bash-completion/completions/bittenctl" || fail "completion: bash syntax"
# The completion knows exactly the commands `bittenctl --help` lists.
help_cmds=$("$build/bittenctl" --help 2>&1 | sed -n '/^commands:/,/^[^ ]/p' |
            sed -n 's/^  \([a-z][a-z]*\).*/\1/p' | sort -u | tr '\n' ' ')
comp_cmds=$(sed -n 's/^ *local commands="\(.*\)"/\1/p' "$src/packaging/bash-completion/bittenctl" |
            tr ' ' '\n' | sort -u | tr '\n' ' ')
[ "$help_cmds" = "$comp_cmds" ] || fail "completion commands '$comp_cmds' != --help '$help_cmds'"

# Another prefix: the unit follows it.
DESTDIR="$tmp/stage" cmake --install "$build" --prefix /opt/bitten >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install --prefix /opt/bitten"; }
grep -qx 'ExecStart=/opt/bitten/sbin/bittend --config /opt/bitten/etc/bitten/bittend.cfg $BITTEND_OPTS' \
    "$tmp/stage/opt/bitten/lib/systemd/system/bittend.service" || fail "unit under /opt/bitten"
[ -x "$tmp/stage/opt/bitten/sbin/bittend" ] || fail "/opt/bitten/sbin/bittend"

if [ "$fails" -ne 0 ]; then
    echo "test_deb: $fails check(s) failed" >&2
    exit 1
fi
echo "test_deb: ok ($(basename "$deb"), $(wc -l < "$tmp/contents") entries; Depends: $depends)"
