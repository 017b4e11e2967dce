/* Directories and whole files: made with their parents, asked about,
 * read into memory. */
#ifndef SIM_IO_FS_H
#define SIM_IO_FS_H

/* mkdir -p: 0, or -1 with errno (ENOTDIR: a file stands there). */
int fs_mkdir_p(const char *dir);
/* 1 when path is a directory (a regular file); 0 otherwise. */
int fs_is_dir(const char *path);
int fs_is_file(const char *path);
/* A small file's whole text, NUL-ended (malloc'd), or NULL. */
char *fs_read_text(const char *path);

#endif
