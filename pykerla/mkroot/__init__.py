"""mkroot: build a Debian 12 root file system from binary packages, without running dpkg.

`pykerla mkroot --packages dash,coreutils OUTPUT` resolves the dependency closure from apt's
package index (index.py, resolve.py), downloads the .deb files into a cache (fetch.py),
unpacks them with `dpkg-deb -x` and merges /bin, /sbin, /lib, /lib64 into /usr (unpack.py),
writes what maintainer scripts and the installer would have created (etcfiles.py), and
writes a directory or a .cpio.gz atomically (build.py).
"""
