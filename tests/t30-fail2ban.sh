#!/bin/sh
# t30-fail2ban.sh -- fail2ban's annotated sendmail logs (Debian package
# fail2ban, read in place) as a conformance suite for the shipped filters.
. tests/lib.sh
if [ ! -r /usr/lib/python3/dist-packages/fail2ban/tests/files/logs/sendmail-reject ]; then
	echo "not ok 1 - fail2ban's test logs are missing (apt-get install fail2ban)"; exit 1
fi
python3 tests/fail2ban_conformance.py "$MAILBAN" conf/mailban.conf
