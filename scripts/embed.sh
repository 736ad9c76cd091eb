#!/bin/sh
# embed.sh NAME < file > file.inc -- a text file as a C string constant.
# Each line becomes one "...\n" literal; backslashes and quotes escaped.
set -eu
printf 'static const char %s[] =\n' "$1"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/'
printf ';\n'
