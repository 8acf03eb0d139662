# Print each variable's block of an ncdump "data:" section on one line,
# "name = values ;", with runs of blanks squeezed, so that the blocks of
# two dumps can be sorted and compared whatever the variable order.  The
# lines of a block are printed as they come, not joined in a string
# first: mawk's joins made a 2 MB file take 30 s.
/^data:/ { on = 1; next }
on && /^}/ { if (open) printf "\n"; exit }
on && /^ [^ ].* =( |$)/ { if (open) printf "\n"; printf "%s", $0; open = 1; next }
on && open { printf "%s", $0 }
END { if (!on) exit 1 }
