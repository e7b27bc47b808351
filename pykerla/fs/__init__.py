"""The virtual file system and the file systems behind it.

Modules (each docstring has the details):
  flags      open/at/mode/dirent constants of the x86-64 ABI
  inode      Inode, SuperBlock, permission(), dev_t helpers: the contract file systems implement
  dentry     Dentry: names in a per-mount tree; path()/path_from() give path strings
  mount      Mount, MountNamespace (the mount table), register_filesystem() for mount(2)
  namei      path walk; lookup(task_or_fs_context, path, follow=True) -> Dentry
  file       OpenFile (struct file) and its regular-file/directory kinds, Backing for mmap/exec
  fdtable    FdTable: fds, close-on-exec, dup, fork, RLIMIT_NOFILE
  context    FsContext: root, cwd, umask
  vfs        the checked operations (open_path, open_dentry, open_exec, mkdir, unlink, rename...)
  tmpfs, devfs, hostfs, initramfs, pipe   the file systems
  poll       poll bits and the readiness test shared by poll/select/epoll
  stat       struct stat / statx / statfs byte layouts
  rootfs     build_root(): the initial mount namespace at boot
"""
