#!/bin/sh
# The interactive session of `ayb client query` on a terminal (a pseudo-
# terminal driven by a small Python script): the prompt, line editing,
# history kept across sessions (mode 0600), and the ways a session ends
# (Ctrl-D, Ctrl-C, exit, quit), also with TERM=dumb.
. "$(dirname "$0")/lib.sh"

[ -x /usr/bin/python3 ] || { echo "1..0 # SKIP /usr/bin/python3 is needed to drive a terminal"; exit 0; }

e2e_setup
e2e_start_server

TOKEN=$(register_user zed zed@example.org) || bail "cannot register zed"
export AYB_SERVER_URL=$URL AYB_API_TOKEN=$TOKEN
"$AYB" client create_database zed/t.sqlite >/dev/null || bail "cannot create zed/t.sqlite"
HIST=$XDG_CONFIG_HOME/ayb/history

# The driver runs a command on a pseudo-terminal, types each argument after
# the previous output settles, and prints what the terminal showed (CR LF
# turned into LF) followed by the exit status.
cat >"$T/drive_tty.py" <<'PY'
import os, pty, select, sys, time

keys = [k.encode().decode("unicode_escape").encode("latin-1") for k in sys.argv[1].split("|")]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
out = b""

def settle(limit):
    global out
    end = time.time() + limit
    quiet = 0
    while time.time() < end and quiet < 6:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            quiet += 1
            continue
        quiet = 0
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        out += data
    return True

settle(5)
for k in keys:
    os.write(fd, k)
    if not settle(5):
        break
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
sys.stdout.write("\nstatus=%d\n" % os.waitstatus_to_exitcode(status))
PY

# session KEYS: runs an interactive session typing KEYS ('|'-separated,
# with \r for Enter, \x04 for Ctrl-D...); sets OUT.
session() {
	OUT=$(/usr/bin/python3 "$T/drive_tty.py" "$1" "$AYB" client query zed/t.sqlite 2>&1)
}

session 'CREATE TABLE t(a)\r|INSERT INTO t VALUES (42)\r|SELECT a FROM t\r|\x04'
like "$OUT" "Launching an interactive session for zed/t.sqlite
zed/t.sqlite> " "the session starts with the launch line and the prompt"
like "$OUT" "zed/t.sqlite> INSERT INTO t VALUES (42)

Rows: 0
zed/t.sqlite> " "a statement without rows: empty line, Rows: 0, prompt again"
like "$OUT" "zed/t.sqlite> SELECT a FROM t
 a 
----
 42 

Rows: 1
zed/t.sqlite> " "a SELECT prints its table"
like "$OUT" "status=0" "Ctrl-D ends the session with status 0"

[ -f "$HIST" ]; ok $? "the history is saved beside the configuration file"
is "$(stat -c %a "$HIST")" 600 "the history file is private"
grep -q 'SELECT\\040a\\040FROM\\040t' "$HIST"; ok $? "the history holds the statements"

# Ctrl-P recalls the last statement of the previous session; Ctrl-A moves
# to the start of the line for an edit.
session '\x10\r|\x10\x01EXPLAIN \x05\r|exit\r'
like "$OUT" "
 a 
----
 42 

Rows: 1" "history survives the session (Ctrl-P, Enter)"
like "$OUT" "status=0" "exit ends the session"

session 'SELECT 7 AS seven\r|\x03'
like "$OUT" " seven 
-------
 7 " "statement before Ctrl-C runs"
like "$OUT" "status=0" "Ctrl-C ends the session with status 0"

session 'SELECT * FROM nope\r|quit\r'
like "$OUT" "Error: " "an error is shown and the session goes on"
like "$OUT" "no such table: nope" "the error names the problem"
like "$OUT" "status=1" "quit after a failed statement: status 1"

OUT=$(TERM=dumb /usr/bin/python3 "$T/drive_tty.py" 'SELECT 1 AS one\r|\x04' "$AYB" client query zed/t.sqlite 2>&1)
like "$OUT" "zed/t.sqlite> " "TERM=dumb still shows the prompt"
like "$OUT" " one 
-----
 1 " "TERM=dumb runs statements"

tap_done
