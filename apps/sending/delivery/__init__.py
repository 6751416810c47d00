"""The delivery engine: the loop that claims due EmailSends with a lease (loop.py), the MIME
message it builds and signs (messages.py), and the mailers it hands messages to
(transports.py)."""
