/* File names: joining a directory and a name, a path's last component. */
#ifndef SIM_IO_PATH_H
#define SIM_IO_PATH_H

/* "dir/name", allocated; NULL without memory. */
char *path_join(const char *dir, const char *name);

/*
 * The last component of path, without trailing slashes and without
 * suffix when it ends so (suffix may be NULL), allocated; NULL without
 * memory.
 */
char *path_last(const char *path, const char *suffix);

#endif
