"""What the benchmark scripts share: a free port, a fresh `hops serve` with one hospital and an
operator, waiting for it to answer."""
import os, socket, subprocess, tempfile, time, urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_healthy(base, tries=200):
    for _ in range(tries):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{base} never answered /healthz")


def start_server(hops, password, prefix, env_extra=None, database_url=None):
    """A fresh data directory with hospital `bench` (admin `admin`, operator `operator`, both
    with `password`), served on a free port. Returns (process, base URL, data directory)."""
    data = tempfile.mkdtemp(prefix=prefix)
    env = dict(os.environ, HOPS_JOB_WORKERS="1", HOPS_LOG="warn", HOPS_ADMIN_PASSWORD=password, HOPS_USER_PASSWORD=password)
    env.update(env_extra or {})
    env.pop("HOPS_DATABASE_URL", None)
    if database_url:
        env["HOPS_DATABASE_URL"] = database_url
    run = lambda *a: subprocess.run([hops, "--data", data, *a], env=env, check=True, stdout=subprocess.DEVNULL)
    run("init", "--hospital-code", "bench", "--hospital-name", "压测医院", "--admin", "admin")
    run("user", "add", "--hospital", "bench", "--username", "operator", "--name", "压测运营", "--role", "operator")
    port = free_port()
    server = subprocess.Popen([hops, "--data", data, "serve", "--listen", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base)
    return server, base, data
