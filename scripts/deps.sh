#!/bin/sh
# deps.sh -- install the Debian packages the build and the tests need, if
# any is missing (as root, with apt-get).  Quiet when all are present.
set -eu
PKGS="build-essential pkg-config libpcre2-dev libsqlite3-dev libiniparser-dev
libcmocka-dev zlib1g-dev sqlite3 iptables fail2ban util-linux tzdata python3 ipset
clang libclang-rt-14-dev gzip nftables libnftables-dev libjansson-dev debhelper dpkg-dev
lintian systemd strace libpq-dev postgresql"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "mailban: missing packages:$missing (install them with apt-get as root)" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
