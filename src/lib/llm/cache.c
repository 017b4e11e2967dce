/*
 * The exact decision cache in SQLite, shared by every process of a
 * campaign (see cache.h).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/cache.h"
#include "llm/params.h"

struct llm_cache {
	sqlite3 *db;
	sqlite3_stmt *get, *put;
	char *key;
	size_t key_cap;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS decisions ("
    " key TEXT PRIMARY KEY, answer TEXT NOT NULL, created INTEGER NOT NULL"
    ") WITHOUT ROWID;";

struct llm_cache *
cache_open(const char *path, char *err, size_t errlen)
{
	struct llm_cache *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(c->db, 60000) != SQLITE_OK ||
	    sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, "SELECT answer FROM decisions WHERE "
	    "key = ?1", -1, &c->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO decisions "
	    "(key, answer, created) VALUES (?1, ?2, strftime('%s','now'))",
	    -1, &c->put, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot use %s as a decision cache: %s",
		    path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
		cache_close(c);
		return NULL;
	}
	return c;
}

void
cache_close(struct llm_cache *c)
{
	if (c == NULL)
		return;
	sqlite3_finalize(c->get);
	sqlite3_finalize(c->put);
	sqlite3_close(c->db);
	free(c->key);
	free(c);
}

/* URL, model, API, max tokens (and settings) and prompt, one per line. */
static const char *
make_key(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, int *len)
{
	size_t need = strlen(cfg->url) + strlen(cfg->model) + strlen(prompt) + 160;
	char *p, extra[96];

	if (need > c->key_cap) {
		if ((p = realloc(c->key, need)) == NULL)
			return NULL;
		c->key = p;
		c->key_cap = need;
	}
	/* settings that change answers, only when not the default, so the
	 * keys of the defaults stay what they were */
	snprintf(extra, sizeof(extra), "%s%s%s%s%s", cfg->think != THINK_OFF ?
	    " think=" : "", cfg->think != THINK_OFF ? think_names[cfg->think] :
	    "", cfg->constrain != CONSTRAIN_OFF ? " constrain" : "",
	    cfg->top_p != 1.0 ? " top_p" : "", cfg->cache_prompt == OOA_OFF ?
	    " nocache" : "");
	if (cfg->top_p != 1.0) {
		size_t n = strlen(extra);

		snprintf(extra + n, sizeof(extra) - n, "=%.17g", cfg->top_p);
	}
	*len = snprintf(c->key, c->key_cap, "%s\n%s\n%s\n%d%s\n%s", cfg->url,
	    cfg->model, llm_api_names[cfg->api], cfg->max_tokens, extra, prompt);
	return c->key;
}

static int
failed(struct llm_cache *c, sqlite3_stmt *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "decision cache: %s", sqlite3_errmsg(c->db));
	sqlite3_reset(st);
	return -1;
}

/* The text stored for the prompt into text (NUL-ended); 1, 0 none, -1. */
static int
get_text(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, char *text, size_t len, char *err, size_t errlen)
{
	int klen, rc;
	const char *key = make_key(c, cfg, prompt, &klen);
	const unsigned char *t;

	if (key == NULL || sqlite3_bind_text(c->get, 1, key, klen,
	    SQLITE_STATIC) != SQLITE_OK)
		return failed(c, c->get, err, errlen);
	rc = sqlite3_step(c->get);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(c->get);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return failed(c, c->get, err, errlen);
	t = sqlite3_column_text(c->get, 0);
	snprintf(text, len, "%s", t ? (const char *)t : "");
	sqlite3_reset(c->get);
	return 1;
}

int
cache_get(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, enum llm_answer *answer, char *err, size_t errlen)
{
	char text[16];
	int rc = get_text(c, cfg, prompt, text, sizeof(text), err, errlen);

	if (rc != 1)
		return rc;
	*answer = llm_parse_answer(text);
	return *answer == LLM_UNPARSED ? 0 : 1;
}

int
cache_get_choice(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, int choices, int *choice, char *err, size_t errlen)
{
	char text[16];
	int rc = get_text(c, cfg, prompt, text, sizeof(text), err, errlen);

	if (rc != 1)
		return rc;
	*choice = llm_parse_choice(text, choices);
	return *choice > 0;
}

static int
put_text(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, const char *text, char *err, size_t errlen)
{
	int len;
	const char *key = make_key(c, cfg, prompt, &len);

	if (key == NULL || sqlite3_bind_text(c->put, 1, key, len,
	    SQLITE_STATIC) != SQLITE_OK || sqlite3_bind_text(c->put, 2,
	    text, (int)strlen(text), SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(c->put) != SQLITE_DONE)
		return failed(c, c->put, err, errlen);
	sqlite3_reset(c->put);
	return 0;
}

int
cache_put(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, enum llm_answer answer, char *err, size_t errlen)
{
	return put_text(c, cfg, prompt, answer == LLM_MOVE ? "MOVE" : "STAY",
	    err, errlen);
}

/* A choice is kept as its number: the prompt (its options) keys it. */
int
cache_put_choice(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, int choice, char *err, size_t errlen)
{
	char text[12];

	snprintf(text, sizeof(text), "%d", choice);
	return put_text(c, cfg, prompt, text, err, errlen);
}
