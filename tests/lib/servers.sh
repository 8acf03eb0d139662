# servers.sh - loopback servers for the store tests, each private to the
# test and stopped when it exits.  Source it after tap.sh:
#
#   . "$srcdir/tests/lib/servers.sh"
#   url=$(zs_nginx_start DIR) || { skip "$(zs_why)"; ...; }
#
#   zs_nginx_start DIR [tls [CERT KEY]]
#                              nginx (Debian nginx-light) serving DIR on
#                              127.0.0.1 and a free port, as the current
#                              user, with its pid, logs and temporary
#                              paths in the test's directory; prints the
#                              URL (https:// for "tls", with the PEM
#                              certificate CERT and its key KEY, or a
#                              self-signed certificate)
#   zs_nginx_log URL           its access log
#   zs_s3rver_start BUCKET     @20minutes/s3rver (node modules from
#                              ${ZS_NPM_DIR:-$top_builddir/npm/node_modules})
#                              with BUCKET; prints the endpoint URL
#                              (credentials S3RVER / S3RVER)
#   zs_s3rver_env URL          export the environment the tools read for
#                              the s3rver at URL, and nothing of the
#                              user's (HOME is the test's directory)
#   zs_fault_start DIR         tests/interop/faultserver.py serving DIR;
#                              prints its URL
#   zs_dead_url                a URL of a port where nothing listens
#   zs_why                     why the last start failed (for skip)
#
# The functions may run in a command substitution: they record the
# processes they start in files, and the EXIT trap set here stops them
# (by process id only).

ZS_SRV=$TMP/.servers
mkdir -p "$ZS_SRV"
ZS_NGINX=${ZS_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
ZS_NPM_DIR=${ZS_NPM_DIR:-$top_builddir/npm/node_modules}

# (safe under set -e: nothing here may fail)
zs_servers_stop() {
    for f in "$ZS_SRV"/*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f") || p=""
        if [ -n "$p" ] && kill "$p" 2>/dev/null; then
            i=0
            while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
                sleep 0.1; i=$((i + 1))
            done
            kill -9 "$p" 2>/dev/null || :
        fi
        rm -f "$f"
    done
}
trap 'zs_servers_stop; tap_cleanup' EXIT
trap 'exit 130' INT TERM HUP

zs_why() { cat "$ZS_SRV/why" 2>/dev/null; }
zs_fail() { echo "$*" > "$ZS_SRV/why"; return 1; }

zs_free_port() {
    $PY -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# zs_wait_port PORT PID: until PORT accepts connections (10 s at most)
# while PID lives.
zs_wait_port() {
    $PY - "$1" "$2" <<'EOF'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
end = time.time() + 10
while time.time() < end:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

zs_dead_url() {
    echo "http://127.0.0.1:$(zs_free_port)"
}

zs_nginx_start() {
    root=$(cd "$1" && pwd) || { zs_fail "no directory $1"; return 1; }
    [ -x "$ZS_NGINX" ] ||
        { zs_fail "nginx is not installed ($ZS_NGINX)"; return 1; }
    scheme=http listen=""
    if [ "${2:-}" = tls ]; then
        command -v openssl >/dev/null ||
            { zs_fail "openssl is not installed"; return 1; }
        scheme=https listen=" ssl"
    fi
    for try in 1 2 3 4 5; do
        port=$(zs_free_port)
        d=$ZS_SRV/nginx-$port
        mkdir -p "$d"
        tls=""
        if [ $scheme = https ] && [ -n "${3:-}" ]; then
            tls="ssl_certificate $3; ssl_certificate_key $4;"
        elif [ $scheme = https ]; then
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
                -subj /CN=127.0.0.1 -keyout "$d/key.pem" \
                -out "$d/cert.pem" >/dev/null 2>&1 ||
                { zs_fail "openssl cannot make a certificate"; return 1; }
            tls="ssl_certificate $d/cert.pem; ssl_certificate_key $d/key.pem;"
        fi
        cat > "$d/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 1024; }
http {
    access_log $d/access.log;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port$listen;
        $tls
        root $root;
    }
}
EOF
        "$ZS_NGINX" -e "$d/error.log" -p "$d" -c "$d/nginx.conf" \
            >"$d/out" 2>&1 &
        pid=$!
        echo $pid > "$ZS_SRV/nginx-$port.pid"
        if zs_wait_port "$port" "$pid"; then
            echo "$scheme://127.0.0.1:$port"
            return 0
        fi
        kill "$pid" 2>/dev/null
        rm -f "$ZS_SRV/nginx-$port.pid"
    done
    zs_fail "nginx does not start: $(tail -3 "$d/error.log" "$d/out" 2>&1)"
}

zs_nginx_log() {
    port=${1##*:}
    echo "$ZS_SRV/nginx-${port%%/*}/access.log"
}

zs_s3rver_env() {
    HOME=$TMP
    AWS_ENDPOINT_URL_S3=$1 AWS_REGION=us-east-1
    AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
    export HOME AWS_ENDPOINT_URL_S3 AWS_REGION AWS_ACCESS_KEY_ID \
        AWS_SECRET_ACCESS_KEY
    unset AWS_ENDPOINT_URL AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION \
        AWS_SHARED_CREDENTIALS_FILE
}

zs_s3rver_start() {
    command -v node >/dev/null ||
        { zs_fail "node is not installed"; return 1; }
    [ -d "$ZS_NPM_DIR/@20minutes/s3rver" ] ||
        { zs_fail "@20minutes/s3rver is not installed in $ZS_NPM_DIR (set" \
                  "ZS_NPM_DIR)"; return 1; }
    d=$(mktemp -d "$ZS_SRV/s3rver.XXXXXX")
    # s3rver makes continuation tokens with DES, which OpenSSL 3 keeps
    # in its legacy provider
    legacy=""
    node --openssl-legacy-provider -e 0 2>/dev/null &&
        legacy=--openssl-legacy-provider
    # Three bugs of s3rver 4.0.4 are worked around: its XML answers escape
    # text twice ("&" as "&amp;amp;": keys with "&" or "'" come back
    # wrong from listings), once by he.escape and once by
    # fast-xml-parser'"'"'s builder: switch the second one off...
    NODE_PATH=$ZS_NPM_DIR node $legacy -e '
const path = require("path");
const home = path.dirname(require.resolve("@20minutes/s3rver/package.json"));
const fxp = require(require.resolve("fast-xml-parser", { paths: [home] }));
const build = fxp.XMLBuilder.prototype.build;
fxp.XMLBuilder.prototype.build = function (o) {
  this.options.processEntities = false;
  return build.call(this, o);
};
// and it writes objects in place, so that a GET during a PUT can answer
// part of the object: write to a temporary name and rename, as S3 is
// atomic
const FS = require(path.join(home, "lib/stores/filesystem.js"));
const putContent = FS.prototype.putContent;
let seq = 0;
FS.prototype.putContent = async function (file, content) {
  const tmp = file + ".zstmp" + process.pid + "." + seq++;
  const r = await putContent.call(this, tmp, content);
  await require("fs").promises.rename(tmp, file);
  return r;
};
// and it answers a range of an empty object with 206 "bytes 0-0/0" and
// a Content-Length of 1 but no body: answer 416 InvalidRange, as S3 does
const getObject = FS.prototype.getObject;
FS.prototype.getObject = async function (bucket, key, options) {
  const o = await getObject.call(this, bucket, key, options);
  if (o && o.range && o.content && Number(o.size) === 0) {
    o.content.destroy();
    o.content = null;
  }
  return o;
};
const S3rver = require("@20minutes/s3rver");
const [dir, bucket] = process.argv.slice(1);
new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir,
             configureBuckets: [{ name: bucket }] })
  .run()
  .then((a) => console.log(a.port))
  .catch((e) => { console.error(e); process.exit(1); });
' "$d/data" "$1" > "$d/port" 2> "$d/err" &
    pid=$!
    echo $pid > "$d.pid"
    i=0
    while [ ! -s "$d/port" ] && kill -0 $pid 2>/dev/null && [ $i -lt 200 ]
    do
        sleep 0.05; i=$((i + 1))
    done
    port=$(cat "$d/port")
    [ -n "$port" ] && zs_wait_port "$port" "$pid" ||
        { zs_fail "s3rver does not start: $(tail -3 "$d/err")"; return 1; }
    echo "http://127.0.0.1:$port"
}

zs_fault_start() {
    d=$(mktemp -d "$ZS_SRV/fault.XXXXXX")
    $PY "$srcdir/tests/interop/faultserver.py" "$1" > "$d/port" \
        2> "$d/err" &
    pid=$!
    echo $pid > "$d.pid"
    i=0
    while [ ! -s "$d/port" ] && kill -0 $pid 2>/dev/null && [ $i -lt 200 ]
    do
        sleep 0.05; i=$((i + 1))
    done
    port=$(head -1 "$d/port")
    [ -n "$port" ] && zs_wait_port "$port" "$pid" ||
        { zs_fail "faultserver.py does not start: $(tail -3 "$d/err")"
          return 1; }
    echo "http://127.0.0.1:$port"
}
