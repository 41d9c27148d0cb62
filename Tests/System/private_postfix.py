"""A Postfix instance of one test's or benchmark's own, from Debian's
package: its configuration, queue and mail under one folder, listening on
one loopback port, started as root and stopped again. Used by
relay_test.py (the smarthost) and Benchmarks/relay-side-by-side.sh; the
helpers they share otherwise are in checks.py."""
import os
import subprocess

from checks import eventually, listening


SERVICES = [
    "pickup unix n - n 60 1 pickup", "cleanup unix n - n - 0 cleanup", "qmgr unix n - n 300 1 qmgr",
    "rewrite unix - - n - - trivial-rewrite", "bounce unix - - n - 0 bounce", "defer unix - - n - 0 bounce",
    "trace unix - - n - 0 bounce", "verify unix - - n - 1 verify", "flush unix n - n 1000? 0 flush",
    "proxymap unix - - n - - proxymap", "smtp unix - - n - - smtp", "relay unix - - n - - smtp",
    "showq unix n - n - - showq", "error unix - - n - - error", "retry unix - - n - - error",
    "discard unix - - n - - discard", "virtual unix - n n - - virtual", "anvil unix - - n - 1 anvil",
    "scache unix - - n - 1 scache", "postlog unix-dgram n - n - 1 postlogd",
]


class PrivatePostfix:
    """`settings` are added to (or replace) main.cf's; `files` are written
    into the configuration folder (maps named by the settings)."""

    def __init__(self, root, port, settings, files=None):
        self.root = root
        self.port = port
        self.conf = os.path.join(root, "conf")
        os.chmod(os.path.dirname(root), 0o755)  # Postfix's own users reach their queue and mail through it
        for folder in ("conf", "queue", "data", "mail"):
            os.makedirs(os.path.join(root, folder), exist_ok=True)
        uid = int(subprocess.check_output(["id", "-u", "postfix"]))
        gid = int(subprocess.check_output(["id", "-g", "postfix"]))
        for folder in ("data", "mail"):
            os.chown(os.path.join(root, folder), uid, gid)
        main = {
            "compatibility_level": "3.6", "queue_directory": f"{root}/queue", "data_directory": f"{root}/data",
            "myhostname": "mx.relay.test", "mydomain": "relay.test", "myorigin": "relay.test", "mydestination": "",
            "inet_protocols": "ipv4", "inet_interfaces": "127.0.0.1", "mynetworks": "127.0.0.0/8",
            "smtpd_relay_restrictions": "permit_mynetworks, reject",
            "virtual_uid_maps": f"static:{uid}", "virtual_gid_maps": f"static:{gid}",
            "smtp_dns_support_level": "disabled", "alias_maps": "", "alias_database": "",
            "local_recipient_maps": "", "smtputf8_enable": "no",
            "maillog_file": f"{root}/maillog", "maillog_file_prefixes": root, "queue_run_delay": "1s",
            "minimal_backoff_time": "1s", "maximal_backoff_time": "2s", "delay_warning_time": "0", "biff": "no",
        }
        main.update(settings)
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.writelines(f"{name} = {value}\n" for name, value in main.items())
        for name, text in (files or {}).items():
            with open(os.path.join(self.conf, name), "w") as f:
                f.write(text)
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(f"127.0.0.1:{port} inet n - n - - smtpd\n" + "\n".join(SERVICES) + "\n")

    def command(self, verb):
        # postfix reports its own errors to syslog only, unless on a terminal.
        out = subprocess.run(["script", "-qec", f"postfix -c {self.conf} {verb}", "/dev/null"],
                             capture_output=True, text=True)
        return out.returncode == 0, out.stdout

    def start(self):
        ok, out = self.command("start")
        return ok and eventually(self.listening, 20), out

    def stop(self):
        ok, out = self.command("stop")
        return ok and eventually(lambda: not self.listening(), 20), out

    def listening(self):
        return listening(self.port)

    def log(self):
        try:
            with open(os.path.join(self.root, "maillog"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""
