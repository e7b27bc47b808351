"""The socket layer: sockets are kernel objects with byte or datagram queues and wait
queues (no packets), living in the guest's own network namespace.

socket.py (the socket file, common options, blocking), stream.py / dgram.py (connection
and datagram machinery), unix.py (AF_UNIX), inet.py (TCP/UDP on the guest loopback),
addr.py (sockaddr layouts), cmsg.py (SCM_RIGHTS/SCM_CREDENTIALS), namespace.py (names),
publish.py (host ports bridged into the guest, -p), host.py (what lies beyond the loopback,
--net none|host), netlink.py (minimal NETLINK_ROUTE).
"""
