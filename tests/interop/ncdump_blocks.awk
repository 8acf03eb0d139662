# Print each variable's block of an ncdump "data:" section on one line,
# "name = values ;", with runs of blanks squeezed, so that the blocks of
# two dumps can be sorted and compared whatever the variable order.
/^data:/ { on = 1; next }
on && /^}/ { if (cur != "") print cur; exit }
on && /^ [^ ].* =( |$)/ { if (cur != "") print cur; cur = $0; next }
on && cur != "" { cur = cur $0 }
END { if (!on) exit 1 }
