#!/bin/sh
# t92-package.sh -- the Debian package, built with dpkg-buildpackage in a
# scratch copy of the tree (never in the source tree): the exact file list
# with modes, the conffiles, the maintainer scripts (state directory 0700,
# the timer enabled and started, purge removing the state), lintian without
# errors, the units accepted by systemd-analyze verify, a hardened binary,
# the cron line and man pages naming the installed paths.
. tests/lib.sh
S=$T/mailban; mkdir -p "$S"
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$S"
else
	(cd "$TOP" && tar --exclude='./build*' --exclude=./debian/mailban -cf - .) | tar -xf - -C "$S"
fi
# make check runs the unit tests already (nocheck skips them here; without
# it, dh_auto_test runs make check-units).
t0=$(date +%s)
ok_run "dpkg-buildpackage -us -uc -b" sh -c \
    "cd '$S' && DEB_BUILD_OPTIONS='nocheck parallel=2' dpkg-buildpackage -us -uc -b"
echo "# package built in $(($(date +%s) - t0)) s"
DEB=$(ls "$T"/mailban_*_*.deb 2>/dev/null | head -n 1)
ok_eq "one .deb (and its dbgsym)" "mailban-dbgsym_0.1_amd64.deb
mailban_0.1_amd64.deb" "$(cd "$T" && ls ./*.deb | sed 's|^\./||' | sed "s/_$(dpkg --print-architecture)\.deb/_amd64.deb/")"

ok_eq "installed files and modes" "drwxr-xr-x ./
drwxr-xr-x ./etc/
drwxr-xr-x ./etc/cron.d/
-rw-r--r-- ./etc/cron.d/mailban
drwxr-xr-x ./etc/mailban/
-rw------- ./etc/mailban/mailban.conf
drwxr-xr-x ./lib/
drwxr-xr-x ./lib/systemd/
drwxr-xr-x ./lib/systemd/system/
-rw-r--r-- ./lib/systemd/system/mailban.service
-rw-r--r-- ./lib/systemd/system/mailban.timer
drwxr-xr-x ./usr/
drwxr-xr-x ./usr/lib/
drwxr-xr-x ./usr/lib/tmpfiles.d/
-rw-r--r-- ./usr/lib/tmpfiles.d/mailban.conf
drwxr-xr-x ./usr/sbin/
-rwxr-xr-x ./usr/sbin/mailban
drwxr-xr-x ./usr/share/
drwxr-xr-x ./usr/share/doc/
drwxr-xr-x ./usr/share/doc/mailban/
-rw-r--r-- ./usr/share/doc/mailban/changelog.gz
-rw-r--r-- ./usr/share/doc/mailban/copyright
drwxr-xr-x ./usr/share/mailban/
drwxr-xr-x ./usr/share/mailban/fleet-reports/
-rw-r--r-- ./usr/share/mailban/fleet-reports/failures-per-host.sql
-rw-r--r-- ./usr/share/mailban/fleet-reports/shared-offenders.sql
-rw-r--r-- ./usr/share/mailban/fleet.sql
drwxr-xr-x ./usr/share/mailban/reports/
-rw-r--r-- ./usr/share/mailban/reports/active-bans.sql
-rw-r--r-- ./usr/share/mailban/reports/bans-per-day.sql
-rw-r--r-- ./usr/share/mailban/reports/failures-per-filter.sql
-rw-r--r-- ./usr/share/mailban/reports/failures-per-hour.sql
-rw-r--r-- ./usr/share/mailban/reports/repeat-offenders.sql
-rw-r--r-- ./usr/share/mailban/reports/top-networks.sql
-rw-r--r-- ./usr/share/mailban/reports/top-offenders.sql
-rw-r--r-- ./usr/share/mailban/schema.sql
drwxr-xr-x ./usr/share/man/
drwxr-xr-x ./usr/share/man/man5/
-rw-r--r-- ./usr/share/man/man5/mailban.conf.5.gz
drwxr-xr-x ./usr/share/man/man8/
-rw-r--r-- ./usr/share/man/man8/mailban.8.gz" \
    "$(dpkg-deb -c "$DEB" | awk '{ print $1, $6 }')"
ok_eq "owned by root" "root/root" "$(dpkg-deb -c "$DEB" | awk '{ print $2 }' | sort -u)"

C=$T/ctrl; dpkg-deb -e "$DEB" "$C"
ok_eq "conffiles" "/etc/cron.d/mailban
/etc/mailban/mailban.conf" "$(cat "$C/conffiles")"
ok_eq "control" "mailban 0.1 net
iptables" "$(dpkg-deb -f "$DEB" Package Version Section | sed 's/^[A-Za-z]*: //' | paste -sd' ')
$(dpkg-deb -f "$DEB" Depends | tr -d ' ' | tr , '\n' | grep -x iptables)"
# libpq is opened only for a fleet (pq.h): recommended, and no longer a
# dependency that shlibs finds.
ok_eq "libpq5 recommended, not a dependency" "libpq5|" \
    "$(dpkg-deb -f "$DEB" Recommends | tr -d ' ' | tr , '\n' | grep -x libpq5)|$(dpkg-deb -f "$DEB" Depends | tr -d ' ' | tr , '\n' | grep '^libpq')"

# The maintainer scripts, run on a scratch root (DPKG_ROOT) with the
# systemd helpers replaced by stubs that log their arguments, and with
# /run/systemd/system present (a private /run in a mount namespace).
R=$T/root; mkdir -p "$T/bin" "$R"
for p in deb-systemd-helper deb-systemd-invoke systemctl systemd-tmpfiles; do
	printf '#!/bin/sh\necho "%s $*" >> "%s"\n' "$p" "$T/calls" > "$T/bin/$p"
	chmod 755 "$T/bin/$p"
done
maint() {	# SCRIPT ARG...: run it as dpkg would, in the scratch root
	s=$1; shift
	unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs tmpfs /run &&
	    mkdir -p /run/systemd/system && exec "$@"' sh \
	    env DPKG_ROOT="$R" PATH="$T/bin:$PATH" sh -e "$C/$s" "$@"
}
ok_run "postinst configure" maint postinst configure
ok_eq "postinst: state directory 0700, lock entry made, timer enabled and started" \
    "700 /var/lib/mailban
systemd-tmpfiles --root=$R --create mailban.conf
deb-systemd-helper unmask mailban.timer
deb-systemd-helper --quiet was-enabled mailban.timer
deb-systemd-helper enable mailban.timer
systemctl --system daemon-reload
deb-systemd-invoke start mailban.timer" "$(stat -c '%a %n' "$R/var/lib/mailban" | sed "s|$R||")
$(cat "$T/calls")"
: > "$T/calls"; touch "$R/var/lib/mailban/mailban.db"
ok_run "postrm remove" maint postrm remove
ok_eq "remove keeps the state" "kept
systemctl --system daemon-reload" "$([ -e "$R/var/lib/mailban/mailban.db" ] && echo kept)
$(cat "$T/calls")"
: > "$T/calls"
ok_run "postrm purge" maint postrm purge
ok_eq "purge removes the state directory and the timer's state" "gone
deb-systemd-helper purge mailban.timer" "$([ -e "$R/var/lib/mailban" ] || echo gone)
$(cat "$T/calls")"

lintian "$T"/mailban_*.changes > "$T/lintian" 2>&1
sed -e '/running with root privileges is not recommended/d' -e 's/^/# lintian: /' "$T/lintian"
ok_eq "lintian: no errors" "" "$(grep '^E:' "$T/lintian")"

X=$T/x; dpkg-deb -x "$DEB" "$X"
ok_eq "cron line of the package, guarded against systemd" \
    "* * * * * root test -x /usr/sbin/mailban && [ ! -d /run/systemd/system ] && /usr/sbin/mailban run -c /etc/mailban/mailban.conf" \
    "$(grep root "$X/etc/cron.d/mailban" | grep -v '^#')"
ok_eq "packaged man page names the installed paths" "/usr/share/mailban/reports ;
/usr/share/mailban/schema.sql )
no /usr/local" "$(zcat "$X/usr/share/man/man8/mailban.8.gz" | grep -o '/usr/[a-z/]*/\(reports ;\|schema.sql )\)$')
$(zcat "$X/usr/share/man/man8/mailban.8.gz" "$X/usr/share/man/man5/mailban.conf.5.gz" | grep -q /usr/local || echo no /usr/local)"
ok_eq "hardened binary: bind now, fortified" "BIND_NOW
fortified" "$(readelf -d "$X/usr/sbin/mailban" | grep -o 'BIND_NOW' | head -n 1)
$(readelf -W --dyn-syms "$X/usr/sbin/mailban" | grep -v __stack_chk_fail | grep -q "__[a-z]*_chk@" && echo fortified)"

# systemd-analyze verify needs the ExecStart binary and the man pages in
# place: the package's /usr over the host's (an overlay, in a mount namespace).
if command -v systemd-analyze >/dev/null; then
	ok_eq "systemd-analyze verify: no message" "rc=0" "$(unshare -m sh -c '
	    mount --make-rprivate / && mount -t overlay overlay -o "lowerdir=$1/usr:/usr" /usr &&
	    systemd-analyze verify "$1/lib/systemd/system/mailban.timer" "$1/lib/systemd/system/mailban.service"' sh "$X" 2>&1; echo "rc=$?")"
else
	TN=$((TN + 1)); echo "ok $TN # SKIP systemd-analyze verify (no systemd-analyze: apt-get install systemd)"
fi
