#!/bin/sh
# t90-install.sh -- make install / uninstall into a DESTDIR: every file in
# its place with its mode, the cron line and the systemd units pointing at
# the installed binary (the cron line skipping itself under systemd), man
# pages naming the installed paths, an existing config never overwritten,
# config and state kept on uninstall.
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
644 /lib/systemd/system/mailban.service
644 /lib/systemd/system/mailban.timer
644 /usr/lib/tmpfiles.d/mailban.conf
700 /var/lib/mailban
644 /usr/share/mailban/schema.sql
644 /usr/share/mailban/fleet.sql" "$(for f in /usr/sbin/mailban /usr/share/man/man8/mailban.8 \
    /usr/share/man/man5/mailban.conf.5 /etc/mailban/mailban.conf /etc/cron.d/mailban \
    /lib/systemd/system/mailban.service /lib/systemd/system/mailban.timer /usr/lib/tmpfiles.d/mailban.conf \
    /var/lib/mailban /usr/share/mailban/schema.sql /usr/share/mailban/fleet.sql; do mode "$f"; done)"
ok_eq "every installed file is listed above (and the 7 reports)" "10" \
    "$(find "$D" -type f | grep -vEc '/usr/share/mailban/(fleet-)?reports/')"
ok_eq "the fleet reports for psql" "failures-per-host.sql shared-offenders.sql" \
    "$(ls "$D/usr/share/mailban/fleet-reports" | paste -sd' ')"
ok_eq "cron runs the installed binary every minute as root, unless systemd runs" \
    "* * * * * root test -x /usr/sbin/mailban && [ ! -d /run/systemd/system ] && /usr/sbin/mailban run -c /etc/mailban/mailban.conf" \
    "$(grep -v '^#' "$D/etc/cron.d/mailban" | grep root)"
ok_eq "the service runs the installed binary" \
    "ExecStart=/usr/sbin/mailban run -c /etc/mailban/mailban.conf" \
    "$(grep '^ExecStart' "$D/lib/systemd/system/mailban.service")"
ok_eq "the timer fires every minute" "OnCalendar=minutely
Unit=mailban.service" "$(grep -E '^(OnCalendar|Unit)=' "$D/lib/systemd/system/mailban.timer")"
ok_eq "installed man pages name the installed paths, never /usr/local" \
    "/usr/share/mailban/reports ;
/usr/share/mailban/schema.sql )
/lib/systemd/system/mailban.timer
/etc/cron.d/mailban
no /usr/local" "$(grep -ho '/[a-z/]*/\(reports ;\|schema.sql )\|mailban.timer\|cron.d/mailban\)$' \
    "$D/usr/share/man/man8/mailban.8")
$(grep -q /usr/local "$D/usr/share/man/man8/mailban.8" "$D/usr/share/man/man5/mailban.conf.5" || echo no /usr/local)"
ok_eq "mailban(8) refers to mailban.conf(5)" ".Xr mailban.conf 5 ," \
    "$(grep -x '.Xr mailban.conf 5 ,' "$D/usr/share/man/man8/mailban.8")"
ok_eq "installed config is valid" "configuration OK" \
    "$("$D/usr/sbin/mailban" config --check -c "$D/etc/mailban/mailban.conf" 2>&1)"
echo "; local change" >> "$D/etc/mailban/mailban.conf"
ok_run "make install again" inst install
ok_eq "existing config kept" "; local change" "$(tail -n 1 "$D/etc/mailban/mailban.conf")"
ok_eq "new config beside it" "600" "$(stat -c %a "$D/etc/mailban/mailban.conf.dist")"
ok_run "make uninstall" inst uninstall
ok_eq "uninstall removes the program and the units, keeps config and state" "no
no
kept
kept" "$([ -e "$D/usr/sbin/mailban" ] && echo yes || echo no)
$([ -e "$D/lib/systemd/system/mailban.timer" ] && echo yes || echo no)
$([ -e "$D/etc/mailban/mailban.conf" ] && echo kept)
$([ -d "$D/var/lib/mailban" ] && echo kept)"
