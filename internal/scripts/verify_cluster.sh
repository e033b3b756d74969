#!/usr/bin/env bash
# The whole cluster works (after "Verifying Installation" in Backend.AI's
# docs/dev/development-setup.rst at 26.8.1), checked through Backend.AI's own client as
# the stack's superadmin, each check timed:
#   manager  the manager's API answers with the deployed release;
#   agents   every agent of the stack is ALIVE with its resource slots;
#   storage  every volume of the stack is listed;
#   session  a real compute session of IMAGE runs print("hello") and returns "hello",
#            and is destroyed again (`backend.ai run --rm`);
#   user     as a regular user of the fixtures (when USER_ACCESS_KEY is given): a vfolder
#            is created on the first volume, a session writes a file into it, another
#            session reads it back, and the vfolder is deleted again (beside the session
#            check: the two run at once);
#   apps     (when APPS is given) an interactive session of IMAGE is started, each of its
#            APPS (jupyter, ttyd) is opened through the App Proxy as the Web UI opens it,
#            and the page the app serves comes back through the App Proxy's worker; the
#            session is destroyed again (beside the other session checks).
# A failed check fails the step naming the check and the reason (an agent by its id).
# Prints the result as one JSON object, the stack's `verification` output.
#   CLIENT_DIR=/home/bai/client BAI_USER=bai MANAGER_URL=http://10.0.0.1:8081 VERSION=26.9.6 \
#   AGENTS="i-bai-a01 i-bai-a02" VOLUMES="local:nfs" IMAGE=cr.backend.ai/stable/python:3.13-ubuntu24.04-amd64 \
#   BACKEND_ACCESS_KEY=AKIA... BACKEND_SECRET_KEY=... [USER_ACCESS_KEY=... USER_SECRET_KEY=...] [APPS="jupyter ttyd"] \
#   [WORKER_URL=http://10.0.0.1:10201] [CA_FILE=/home/bai/tls/cert.pem | CA_CERT="-----BEGIN CERTIFICATE-----..."] \
#   [AGENT_WAIT=60] [SESSION_TIMEOUT=600] verify_cluster.sh
# CA_FILE or CA_CERT (services.tls) is the certificate the App Proxy's worker serves
# HTTPS with, for the node's address: the apps are checked against it.
# A refresh does not read this step back (it checks the cluster; rerun it with `pulumi up --replace <its URN>`).
set -euo pipefail
: "${CLIENT_DIR:?}" "${BAI_USER:?}" "${MANAGER_URL:?}" "${VERSION:?}" "${AGENTS:?}" "${IMAGE:?}" "${BACKEND_ACCESS_KEY:?}" "${BACKEND_SECRET_KEY:?}"
agent_wait=${AGENT_WAIT:-60}
session_timeout=${SESSION_TIMEOUT:-600}
python=$CLIENT_DIR/.venv/bin/python
# The client reads its endpoint and keypair from the environment; the keys came on
# stdin, never on a command line.
export BACKEND_ENDPOINT=$MANAGER_URL BACKEND_ENDPOINT_TYPE=api BACKEND_ACCESS_KEY BACKEND_SECRET_KEY
cd "$CLIENT_DIR" # the account's own directory: the client looks around its working directory
# The certificate the App Proxy's worker is checked against, where the client reads it.
if [ -n "${CA_CERT:-}" ]; then
	CA_FILE=$CLIENT_DIR/.verify-ca.pem
	printf '%s\n' "$CA_CERT" >"$CA_FILE"
	chmod 0644 "$CA_FILE"
fi
export CA_FILE=${CA_FILE:-}
# as_client CMD...: as_bai, never on this script's stdin: the step feeds the script to
# bash there, and the client (`run` takes user input) would read the rest of it.
as_client() { as_bai "$@" </dev/null; }
client() { as_client "$CLIENT_DIR/.venv/bin/backend.ai" "$@"; }

fail() { # check reason...
	echo "verify: $1: ${*:2}" >&2
	exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
checks=()
passed() { # check started result-json
	checks+=("{\"check\": \"$1\", \"seconds\": $(since "$2"), \"result\": $3}")
}
# json PROGRAM: runs a Python program on the JSON on stdin (the client's venv has Python).
json() { "$python" -c "import json, sys; $1"; }
started_all=$(now)
checked_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# manager: its API answers with the deployed release.
t=$(now)
api=$(curl -fsS --max-time 10 "$MANAGER_URL/" 2>&1) || fail manager "no answer at $MANAGER_URL: $api"
release=$(json 'print(json.load(sys.stdin).get("manager", ""))' <<<"$api") || fail manager "not Backend.AI's API at $MANAGER_URL: $api"
[ "$release" = "$VERSION" ] || fail manager "answers with release $release, want $VERSION"
passed manager "$t" "\"$release\""

# retry CHECK REPORT: runs the REPORT function (a report on stdout, or the reason) until
# it succeeds or AGENT_WAIT passes (a restarted agent needs a heartbeat or two), then
# records the check, or fails it with the last reason.
retry() {
	local t deadline=$((SECONDS + agent_wait)) report
	t=$(now)
	until report=$("$2" 2>&1); do
		((SECONDS < deadline)) || fail "$1" "$report"
		sleep 3
	done
	passed "$1" "$t" "$report"
}

# agents: each ALIVE with its slots. The client lists agents of one status at a time:
# ALIVE, and the others to name.
agents_report() {
	local status
	for status in ALIVE TERMINATED LOST RESTARTING; do
		client --output json admin agent list --status "$status" 2>&1 | tr -d '\n' || true
		echo
	done | json '
import os
items, answered, failed = {}, False, ""
for line in sys.stdin:
    try:
        listed = json.loads(line).get("items", [])
    except ValueError:
        failed = failed or line.strip()[-300:]
        continue
    answered = True
    for a in listed:
        items.setdefault(a["id"], a)
if not answered:
    print("the client could not list the agents: " + failed); sys.exit(1)
bad = []
for want in os.environ["AGENTS"].split():
    a = items.get(want)
    if a is None:
        bad.append(want + " is not registered with the manager")
    elif a.get("status") != "ALIVE":
        bad.append("%s is %s, want ALIVE" % (want, a.get("status")))
    elif not a.get("available_slots"):
        bad.append(want + " is ALIVE without resource slots (are its slot types in the database?)")
if bad:
    print("; ".join(bad)); sys.exit(1)
print(json.dumps({i: {"status": items[i]["status"], "slots": items[i]["available_slots"]} for i in os.environ["AGENTS"].split()}, sort_keys=True))
'
}
retry agents agents_report

# storage: every volume is listed by the storage proxies.
volumes_report() {
	{ client --output json admin storage list 2>&1 || true; } | VOLUMES="${VOLUMES:-}" json '
import os
text = sys.stdin.read()
try:
    have = sorted(v["id"] for v in json.loads(text).get("items", []))
except ValueError:
    print("the client could not list the volumes: " + text.strip()[-300:]); sys.exit(1)
missing = [v for v in os.environ["VOLUMES"].split() if v not in have]
if missing:
    print("%s not listed (listed: %s)" % (", ".join(missing), ", ".join(have) or "none")); sys.exit(1)
print(json.dumps(have))
'
}
retry storage volumes_report

# session: a real compute session runs print("hello") and is destroyed again. Each of
# the session checks prints its seconds and its result, or fails with the reason.
session_check() {
	local t name out
	t=$(now)
	name="verify-$(date +%s)"
	if ! out=$(as_client timeout "$session_timeout" "$CLIENT_DIR/.venv/bin/backend.ai" run --rm -q -t "$name" "$IMAGE" -c 'print("hello")' 2>&1); then
		client session destroy --forced "$name" >/dev/null 2>&1 || true
		fail session "$IMAGE did not run (is it in a registry the manager rescans? verify.image names another): $(tail -n 15 <<<"$out")"
	fi
	grep -qx 'hello' <<<"$out" || fail session "$IMAGE ran, but did not print hello: $(tail -n 15 <<<"$out")"
	echo "$(since "$t") {\"image\": \"$IMAGE\", \"output\": \"hello\"}"
}

# user: a regular user works with a vfolder: creates it, writes into it from a session,
# reads the file back.
user_check() {
	local t folder volume out written='written by a session'
	t=$(now)
	as_user() { BACKEND_ACCESS_KEY=$USER_ACCESS_KEY BACKEND_SECRET_KEY=$USER_SECRET_KEY "$@"; }
	folder="verify-u$(date +%s)"
	volume=${VOLUMES%% *}
	out=$(as_user client vfolder create "$folder" "$volume" 2>&1) || fail user "the regular user $USER_ACCESS_KEY cannot create a vfolder on $volume: $(tail -n 5 <<<"$out")"
	# The client can report a refused session and still exit 0: its ✗ line says so.
	if ! out=$(as_user as_client timeout "$session_timeout" "$CLIENT_DIR/.venv/bin/backend.ai" run --rm -q -m "$folder" "$IMAGE" \
		-c "open('/home/work/$folder/verify.txt', 'w').write('$written')" 2>&1) || grep -q '✗' <<<"$out"; then
		as_user client vfolder delete "$folder" >/dev/null 2>&1 || true
		fail user "a session of the regular user $USER_ACCESS_KEY could not write into the vfolder $folder: $(tail -n 10 <<<"$out")"
	fi
	# Read back by another session of the user's, which mounts the same vfolder.
	out=$(as_user as_client timeout "$session_timeout" "$CLIENT_DIR/.venv/bin/backend.ai" run --rm -q -m "$folder" "$IMAGE" \
		-c "print(open('/home/work/$folder/verify.txt').read())" 2>&1) || true
	as_user client vfolder delete "$folder" >/dev/null 2>&1 && as_user client vfolder purge "$folder" >/dev/null 2>&1 || true
	grep -qxF "$written" <<<"$out" || fail user "the file a session wrote into the vfolder $folder did not come back in the next session: $(tail -n 5 <<<"$out")"
	echo "$(since "$t") {\"accessKey\": \"$USER_ACCESS_KEY\", \"volume\": \"$volume\", \"file\": \"$written\"}"
}

# apps: each app of an interactive session opened as the Web UI opens it
# (docs/app-proxy.md): the manager's start-service gives the App Proxy's token and the
# coordinator's address; the coordinator's add gives its auth URL, which (asked for
# JSON) gives the worker's setup URL; the worker sets its permit cookie there and
# redirects to the app's port, where the app serves its page. Prints each app's final
# URL (without its token) and page title.
apps_check() {
	local t out
	t=$(now)
	if ! out=$(as_client timeout "$session_timeout" "$python" -c "$apps_py" "$IMAGE" $APPS 2>&1); then
		fail apps "$(tail -n 15 <<<"$out")"
	fi
	echo "$(since "$t") $(tail -n 1 <<<"$out")"
}
apps_py=$(
	cat <<'PY'
import http.cookiejar, json, os, re, ssl, sys, time, urllib.error, urllib.parse, urllib.request, uuid
from ai.backend.client.session import Session

image, apps = sys.argv[1], sys.argv[2:]
# Over HTTPS, the worker's certificate is checked against the stack's (its own
# certificates trusted, as curl trusts a CA file's), for the address it is reached at.
tls = ssl.create_default_context()
if os.environ.get("CA_FILE"):
    tls = ssl.create_default_context(cafile=os.environ["CA_FILE"])
    tls.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN

def fetch(opener, url, accept):
    req = urllib.request.Request(url, headers={"Accept": accept})
    with opener.open(req, timeout=30) as r:
        return r.geturl(), r.read().decode("utf-8", "replace")

def failed(e):
    """What went wrong, with an HTTP error's body (the App Proxy says why there)."""
    if isinstance(e, urllib.error.HTTPError):
        return f"{e.code} {e.reason}: {e.read().decode('utf-8', 'replace')[:300]}"
    return str(e)

def host(url):
    """Where url points, without its token."""
    return urllib.parse.urlsplit(url).netloc

def worker_down(app, why):
    """Exits naming the App Proxy worker when it does not answer: whichever step failed."""
    worker = os.environ.get("WORKER_URL")
    if not worker:
        return
    try:
        fetch(urllib.request.build_opener(urllib.request.HTTPSHandler(context=tls)), worker + "/status", "application/json")
    except (urllib.error.URLError, OSError) as down:
        sys.exit(f"{app}: the App Proxy worker at {host(worker)} does not answer ({failed(down)}): {why}")

def open_app(sess, app):
    r = sess.start_service(app, login_session_token="dummy")
    if "token" not in r or "wsproxy_addr" not in r:
        sys.exit(f"{app}: the manager's start-service answered {r}")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), urllib.request.HTTPSHandler(context=tls))
    coordinator = r["wsproxy_addr"].rstrip("/")
    try:
        _, body = fetch(opener, f"{coordinator}/v2/proxy/{r['token']}/{sess.id}/add?app={app}&protocol=http", "application/json")
        _, body = fetch(opener, json.loads(body)["url"], "application/json")
        setup = json.loads(body)["redirect_url"]
    except (urllib.error.URLError, OSError, KeyError, ValueError) as e:
        why = f"the App Proxy coordinator at {host(coordinator)} (which routes it to a worker) did not open it: {failed(e)}"
        worker_down(app, why)
        sys.exit(f"{app}: {why}")
    # The app may still be starting in the session: its page comes within a minute.
    deadline, last = time.monotonic() + 60, ""
    while True:
        try:
            url, page = fetch(opener, setup, "text/html")
            title = re.search(r"<title>\s*(.*?)\s*</title>", page, re.S)
            if title:
                u = urllib.parse.urlsplit(url)
                return {"url": f"{u.scheme}://{u.netloc}{u.path}", "title": title.group(1)}
            last = f"{host(url)} served no page: {page[:200]!r}"
        except (urllib.error.URLError, OSError) as e:
            last = failed(e)
            worker_down(app, last)  # the app may be starting; the worker must answer
        if time.monotonic() > deadline:
            sys.exit(f"{app}: no page through the App Proxy worker at {host(setup)} within a minute: {last}")
        time.sleep(2)

with Session() as api:
    sess = api.ComputeSession.get_or_create(image, name="verify-apps-" + uuid.uuid4().hex[:8], type_="interactive", max_wait=300)
    try:
        if sess.status != "RUNNING":
            sys.exit(f"the session of {image} is {sess.status}, not RUNNING, after five minutes")
        declared = [p["name"] for p in sess.service_ports]
        report = {}
        for app in apps:
            if app not in declared:
                sys.exit(f"{image} declares no app {app} (its apps: {declared}; its ai.backend.service-ports label)")
            report[app] = open_app(sess, app)
    finally:
        sess.destroy(forced=True)
print(json.dumps(report))
PY
)

# Both at once (the scheduler queues the second where the agents have room for one).
results=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$results"' EXIT
session_check >"$results/session" 2>"$results/session.err" &
pids=("session:$!")
if [ -n "${USER_ACCESS_KEY:-}" ]; then
	user_check >"$results/user" 2>"$results/user.err" &
	pids+=("user:$!")
fi
if [ -n "${APPS:-}" ]; then
	apps_check >"$results/apps" 2>"$results/apps.err" &
	pids+=("apps:$!")
fi
for p in "${pids[@]}"; do
	check=${p%%:*}
	if ! wait "${p#*:}"; then
		cat "$results/$check.err" >&2
		exit 1
	fi
	read -r seconds result <"$results/$check"
	checks+=("{\"check\": \"$check\", \"seconds\": $seconds, \"result\": $result}")
done

joined=$(
	IFS=,
	echo "${checks[*]}"
)
printf '{"release": "%s", "checkedAt": "%s", "seconds": %s, "checks": [%s]}\n' "$VERSION" "$checked_at" "$(since "$started_all")" "$joined"
