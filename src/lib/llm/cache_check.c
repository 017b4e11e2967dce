/* Checking a decision cache at open and moving a bad one aside. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "llm/cache_check.h"

int
cache_check(const char *path, char *detail, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int rc, result = 0;

	if (stat(path, &sb) != 0)
		return errno == ENOENT ? 0 : (snprintf(detail, len, "%s",
		    strerror(errno)), -1);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		snprintf(detail, len, "%s", db ? sqlite3_errmsg(db) :
		    "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 60000);
	rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (r == NULL || strcmp(r, "ok") != 0) {
			snprintf(detail, len, "quick_check: %s", r ? r : "?");
			result = 1;
		}
	} else if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) ==
	    SQLITE_NOTADB) {
		snprintf(detail, len, "%s", sqlite3_errmsg(db));
		result = 1;
	} else {
		snprintf(detail, len, "%s", sqlite3_errmsg(db));
		result = -1;
	}
	/* one line: quick_check may list several problems */
	for (char *p = detail; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	sqlite3_finalize(st);
	sqlite3_close(db);
	return result;
}

int
cache_move_aside(const char *path, char *moved, size_t len)
{
	static const char *const side[] = { "-wal", "-shm" };
	char stamp[32], from[4200], to[4300];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(moved, len, "%s.corrupt-%s-%ld", path, stamp, (long)getpid());
	if (rename(path, moved) != 0)
		return errno == ENOENT ? 0 : -1;   /* another process did */
	for (int i = 0; i < 2; i++) {
		snprintf(from, sizeof(from), "%s%s", path, side[i]);
		snprintf(to, sizeof(to), "%s%s", moved, side[i]);
		if (rename(from, to) != 0 && errno != ENOENT)
			return -1;
	}
	return 0;
}
