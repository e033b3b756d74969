"""Stand-in for a Backend.AI service's server module, in backendai-infra's tests: it
reports how it was started and whether its config file is there. Under systemd (which
sets INVOCATION_ID) it then stays up, as a server does, until it is stopped."""
import os
import signal
import sys

config = sys.argv[sys.argv.index("-f") + 1] if "-f" in sys.argv else ""
print(f"stand-in {__spec__.name if __spec__ else __name__}", *sys.argv[1:],
      "(config present)" if config and os.path.isfile(config) else "(no config)", flush=True)
if os.environ.get("INVOCATION_ID"):
    signal.pause()
