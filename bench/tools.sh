# bench/tools.sh - sourced by the bench scripts once B (the build
# directory) is set: T is where the programs themselves are, not
# libtool's wrapper scripts around them (a wrapper would be timed too).
if [ -x "$B/tools/.libs/zinfo" ]; then
    T=$B/tools/.libs
    LD_LIBRARY_PATH=$B/libzstore/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
else
    T=$B/tools
fi
