/*
 * A decision cache checked before use: SQLite's quick_check at open, so a
 * corrupted file is named as such instead of failing every run that
 * touches it, and --llm-cache-reset moves it aside (never deletes it).
 */
#ifndef SIM_LLM_CACHE_CHECK_H
#define SIM_LLM_CACHE_CHECK_H

#include <stddef.h>

/*
 * 0 when the file is a sound SQLite database (or does not exist yet),
 * 1 when it is corrupted or not a database (detail says how), -1 when it
 * cannot be checked (detail says why).
 */
int cache_check(const char *path, char *detail, size_t len);

/*
 * Renames the cache, with its -wal and -shm files, to
 * PATH.corrupt-YYYYmmddTHHMMSSZ-PID (the name in moved); 0, or -1 with
 * errno.  A file that another process already replaced is left alone.
 */
int cache_move_aside(const char *path, char *moved, size_t len);

#endif
