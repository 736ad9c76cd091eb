#!/bin/sh
# t90-install.sh -- make install / uninstall into a DESTDIR: every file in
# its place with its mode, the cron line pointing at the installed binary,
# an existing config never overwritten, config and state kept on uninstall.
. tests/lib.sh
D=$T/root
inst() { make --no-print-directory -s BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr "$@" >/dev/null 2>&1; }
ok_run "make install" inst install
mode() { stat -c '%a %n' "$D$1" 2>&1 | sed "s|$D||"; }
ok_eq "installed files and modes" "755 /usr/sbin/mailban
644 /usr/share/man/man8/mailban.8
644 /usr/share/man/man5/mailban.conf.5
600 /etc/mailban/mailban.conf
644 /etc/cron.d/mailban
700 /var/lib/mailban
644 /usr/share/mailban/schema.sql" "$(for f in /usr/sbin/mailban /usr/share/man/man8/mailban.8 \
    /usr/share/man/man5/mailban.conf.5 /etc/mailban/mailban.conf /etc/cron.d/mailban \
    /var/lib/mailban /usr/share/mailban/schema.sql; do mode "$f"; done)"
ok_eq "cron runs the installed binary every minute as root" \
    "* * * * * root /usr/sbin/mailban run -c /etc/mailban/mailban.conf" \
    "$(grep -v '^#' "$D/etc/cron.d/mailban" | grep root)"
ok_eq "installed config is valid" "configuration OK" \
    "$("$D/usr/sbin/mailban" config --check -c "$D/etc/mailban/mailban.conf" 2>&1)"
echo "; local change" >> "$D/etc/mailban/mailban.conf"
ok_run "make install again" inst install
ok_eq "existing config kept" "; local change" "$(tail -n 1 "$D/etc/mailban/mailban.conf")"
ok_eq "new config beside it" "600" "$(stat -c %a "$D/etc/mailban/mailban.conf.dist")"
ok_run "make uninstall" inst uninstall
ok_eq "uninstall removes the program, keeps config and state" "no
kept
kept" "$([ -e "$D/usr/sbin/mailban" ] && echo yes || echo no)
$([ -e "$D/etc/mailban/mailban.conf" ] && echo kept)
$([ -d "$D/var/lib/mailban" ] && echo kept)"
