# shell_words WORD...: the words single-quoted for a shell (or Python's
# shlex), on one line: a job line for an oracle that runs many
# comparisons in one process (sourced by tap.sh and pyclient.sh).
shell_words() {
    for w in "$@"; do
        printf "'%s' " "$(printf '%s' "$w" | sed "s/'/'\\\\''/g")"
    done
    echo
}
