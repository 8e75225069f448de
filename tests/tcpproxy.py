"""A TCP proxy that a test can cut and restore: the database going away under a live API.

The shared PostgreSQL server is never restarted; the API talks to it through this proxy,
and :meth:`TcpProxy.cut` closes the listening port and every open connection, which is
what the API sees of a database restart (refused connects, dead pooled connections).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class TcpProxy:
    """Forward ``127.0.0.1:<port>`` to ``target`` until :meth:`cut`; :meth:`restore` again."""

    def __init__(self, target: tuple[str, int], *, port: int) -> None:
        self.target = target
        self.port = port
        self._listener: socket.socket | None = None
        self._pipes: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> None:
        """Listen again on the same port and forward every new connection."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Stop listening and drop every forwarded connection (both ends see a reset)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            pipes, self._pipes = self._pipes, set()
        for sock in pipes:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pipes.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            with self._lock:
                self._pipes.difference_update((a, b))
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.close()
