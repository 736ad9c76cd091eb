# mailban -- ban SMTP abusers seen in sendmail's mail.log.
# Plain make.  `make check` installs missing Debian packages (as root),
# builds, and runs every test; `make sanitize` does the same under
# AddressSanitizer/UBSan in build-san/.

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DATADIR	?= $(PREFIX)/share/mailban
SYSCONFDIR ?= /etc
STATEDIR ?= /var/lib/mailban
CRONDIR	?= /etc/cron.d
SYSTEMDUNITDIR ?= /lib/systemd/system
TMPFILESDIR ?= /usr/lib/tmpfiles.d
BUILD	?= build

WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
CFLAGS	?= -O2 -g
override CFLAGS += -std=gnu11 -MMD -MP $(WARN) -D_GNU_SOURCE -iquote $(BUILD) -iquote src \
	   $(shell pkg-config --cflags libpcre2-8 sqlite3 libpq 2>/dev/null) -I/usr/include/iniparser
LDLIBS	+= -lpcre2-8 -lsqlite3 -liniparser -lz -lnftables -ljansson

# Modules: one per arrow of the data flow (DESIGN.md); commands: main and
# one file per subcommand.  Unit tests link the modules through an archive,
# so each test pulls in only the objects it uses.
CMDS	 = $(patsubst src/%.c,%,$(wildcard src/main.c src/cmd_*.c))
MODULES	 = $(filter-out $(CMDS),$(patsubst src/%.c,%,$(wildcard src/*.c)))
MOD_OBJ	 = $(MODULES:%=$(BUILD)/%.o)
CMD_OBJ	 = $(CMDS:%=$(BUILD)/%.o)
LIB	 = $(BUILD)/libmailban.a
UNITS	 = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNITS:%=$(BUILD)/tests/%)

all: $(BUILD)/mailban

$(BUILD)/mailban: $(CMD_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(LIB) $(LDLIBS)

$(LIB): $(MOD_OBJ)
	rm -f $@ && $(AR) rcs $@ $(MOD_OBJ)

$(BUILD)/%.o: src/%.c | $(BUILD)/schema.inc $(BUILD)/reports.inc $(BUILD)/fleet.inc
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The report queries of sql/reports/ are embedded too (mailban report).
REPORTS	 = $(sort $(wildcard sql/reports/*.sql))
$(BUILD)/reports.inc: $(REPORTS) scripts/embed-reports.sh
	@mkdir -p $(BUILD)/tests
	sh scripts/embed-reports.sh $(REPORTS) > $@.tmp && mv $@.tmp $@

# The schema is embedded in the binary as a C string.
$(BUILD)/schema.inc: sql/schema.sql scripts/embed.sh
	@mkdir -p $(BUILD)/tests
	sh scripts/embed.sh SCHEMA_SQL < sql/schema.sql > $@.tmp && mv $@.tmp $@

# The shared store's schema (fleet mode, PostgreSQL), embedded the same way.
$(BUILD)/fleet.inc: sql/fleet.sql scripts/embed.sh
	@mkdir -p $(BUILD)/tests
	sh scripts/embed.sh FLEET_SQL < sql/fleet.sql > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

deps:
	@sh scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all units
	@sh tests/run.sh $(BUILD)

units: $(UNIT_BIN)

# The unit tests alone (no root needed: the cases that need root or a
# network namespace skip without them); the Debian package build runs this.
check-units: units
	@for t in $(UNIT_BIN); do $$t || exit 1; done

sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-san \
	    CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" all units
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 sh tests/run.sh build-san

demo: deps all
	@sh scripts/demo.sh $(BUILD)

# Speed: prints one table of figures and ratios (not a test).
bench: all $(BUILD)/stages
	@sh tests/bench/bench.sh $(BUILD)

# The bench's stage splitter links the modules as the unit tests do.
$(BUILD)/stages: tests/bench/stages.c $(LIB)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# libFuzzer targets (clang), each for FUZZTIME seconds; and the SIGKILL
# torture (at least 200 kills).  .ci/run calls both with bounded times.
FUZZTIME ?= 60
fuzz: deps
	@sh tests/fuzz/run.sh $(FUZZTIME)

torture: deps all
	@sh tests/torture/run.sh $(BUILD)

# The cron job, the systemd units and the man pages name the installed
# paths.  With systemd running (and no DESTDIR), install enables the timer
# and the cron line skips itself: exactly one of them runs mailban.
SUBST	 = sed -e 's|/usr/local/sbin|$(SBINDIR)|g' -e 's|/usr/local/share/mailban|$(DATADIR)|g' \
	   -e 's|/etc/mailban|$(SYSCONFDIR)/mailban|g'
MANSUBST = sed -e 's|/usr/local/sbin|$(SBINDIR)|g' -e 's|/usr/local/share/mailban|$(DATADIR)|g' \
	   -e 's|/etc/cron.d|$(CRONDIR)|g' -e 's|/lib/systemd/system|$(SYSTEMDUNITDIR)|g'
UNITFILES = mailban.service mailban.timer

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(SYSCONFDIR)/mailban $(DESTDIR)$(CRONDIR) $(DESTDIR)$(DATADIR)/reports $(DESTDIR)$(DATADIR)/fleet-reports \
	    $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(TMPFILESDIR)
	install -d -m 0700 $(DESTDIR)$(STATEDIR)
	install -m 0755 $(BUILD)/mailban $(DESTDIR)$(SBINDIR)/mailban
	$(MANSUBST) mailban.8 > $(DESTDIR)$(MANDIR)/man8/mailban.8
	$(MANSUBST) mailban.conf.5 > $(DESTDIR)$(MANDIR)/man5/mailban.conf.5
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/mailban.8 $(DESTDIR)$(MANDIR)/man5/mailban.conf.5
	install -m 0644 sql/schema.sql $(DESTDIR)$(DATADIR)/schema.sql
	for f in sql/reports/*.sql; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(DATADIR)/reports/; done; true
	install -m 0644 sql/fleet.sql $(DESTDIR)$(DATADIR)/fleet.sql
	for f in sql/fleet-reports/*.sql; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(DATADIR)/fleet-reports/; done; true
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/mailban/mailban.conf ]; then \
	    echo "keeping $(DESTDIR)$(SYSCONFDIR)/mailban/mailban.conf"; \
	    install -m 0600 conf/mailban.conf $(DESTDIR)$(SYSCONFDIR)/mailban/mailban.conf.dist; \
	else install -m 0600 conf/mailban.conf $(DESTDIR)$(SYSCONFDIR)/mailban/mailban.conf; fi
	$(SUBST) cron.d/mailban > $(DESTDIR)$(CRONDIR)/mailban.tmp
	chmod 0644 $(DESTDIR)$(CRONDIR)/mailban.tmp && mv $(DESTDIR)$(CRONDIR)/mailban.tmp $(DESTDIR)$(CRONDIR)/mailban
	for u in $(UNITFILES); do $(SUBST) systemd/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
	    chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; done
	install -m 0644 systemd/mailban.tmpfiles $(DESTDIR)$(TMPFILESDIR)/mailban.conf
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
	    echo "systemd runs: enabling mailban.timer (the cron line skips itself)"; \
	    systemd-tmpfiles --create mailban.conf && systemctl daemon-reload && \
	    systemctl enable --now mailban.timer; fi

uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
	    systemctl disable --now mailban.timer; fi
	rm -f $(DESTDIR)$(SBINDIR)/mailban $(DESTDIR)$(MANDIR)/man8/mailban.8 \
	    $(DESTDIR)$(MANDIR)/man5/mailban.conf.5 $(DESTDIR)$(CRONDIR)/mailban \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/mailban.service $(DESTDIR)$(SYSTEMDUNITDIR)/mailban.timer \
	    $(DESTDIR)$(TMPFILESDIR)/mailban.conf $(DESTDIR)$(DATADIR)/schema.sql $(DESTDIR)$(DATADIR)/reports/*.sql \
	    $(DESTDIR)$(DATADIR)/fleet.sql $(DESTDIR)$(DATADIR)/fleet-reports/*.sql
	-rmdir $(DESTDIR)$(DATADIR)/reports $(DESTDIR)$(DATADIR)/fleet-reports $(DESTDIR)$(DATADIR)
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "kept $(SYSCONFDIR)/mailban and $(STATEDIR)"

clean:
	rm -rf build build-san build-fuzz

.PHONY: all check units check-units sanitize demo deps bench fuzz torture install uninstall clean

-include $(MOD_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
