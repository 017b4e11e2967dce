/*
 * fakellm - a small deterministic fake LLM chat server for tests and
 * benchmarks.  It speaks enough OpenAI-compatible, Ollama-native and
 * Anthropic Messages HTTP to answer Schelling agents' "MOVE or STAY?"
 * prompts from a fixed rule, and it can inject latency and faults so that a
 * client's retry logic can be tested.  --server plays a real server or a
 * hosted provider (OpenAI's reasoning families, Anthropic, Gemini's OpenAI
 * layer, vLLM, llama-server, Ollama, LM Studio) as its reference documents
 * it: what each accepts, refuses (in its own error shape) and answers.
 *
 * It only ever binds 127.0.0.1.  One thread serves each accepted connection
 * (HTTP/1.1 keep-alive); a slot counter limits how many chat requests are
 * processed at once, like llama-server's -np.  See fakellm.md for the flags.
 *
 * Build:
 *   cc -std=c11 -O2 -Wall -Wextra -D_POSIX_C_SOURCE=200809L fakellm.c \
 *      -o fakellm -ljansson -lpthread -lm
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 64     /* EX_USAGE: bad flags */
#define EXIT_OSERR 71     /* EX_OSERR: cannot bind */
#define EXIT_CANTCREAT 73 /* EX_CANTCREAT: cannot write log or port file */

#define MAX_HEADER (64 * 1024)
#define MAX_BODY (16 * 1024 * 1024)
#define MAX_PATH 256
#define MAX_CONNS 1024
#define MAX_FAULTS 32
#define READ_CHUNK 4096
#define RECV_TIMEOUT_MS 100 /* how often a blocked reader checks g_stop */
#define IDLE_TIMEOUT_MS 120000
#define SEND_TIMEOUT_MS 10000
#define SHUTDOWN_GRACE_MS 2000
#define SLEEP_CHUNK_MS 50

#define CREATED_EPOCH 1767225600 /* 2026-01-01T00:00:00Z, fixed for determinism */
#define CREATED_AT "2026-01-01T00:00:00Z"
#define NO_GRID_REPLY "I cannot see a neighbourhood."
#define CHATTY_REPLY "I think I'd move"

/* The only global mutable state: set by SIGTERM/SIGINT or by max-lifetime. */
static atomic_int g_stop;

/* ------------------------------------------------------------------ types */

enum rule { RULE_MECHANICAL, RULE_ALWAYS_MOVE, RULE_ALWAYS_STAY, RULE_STOCHASTIC, RULE_COUNT };
static const char *const rule_names[RULE_COUNT] = {"mechanical", "always-move", "always-stay",
                                                   "stochastic"};

enum style { STYLE_PLAIN, STYLE_LOWER, STYLE_QUOTED, STYLE_PUNCT, STYLE_SENTENCE, STYLE_COUNT };
static const char *const style_names[STYLE_COUNT] = {"plain", "lower", "quoted", "punct",
                                                     "sentence"};

enum fault {
    FAULT_NONE,
    FAULT_500,
    FAULT_503,
    FAULT_429,
    FAULT_HANG,
    FAULT_DROP,
    FAULT_MALFORMED,
    FAULT_EMPTY,
    FAULT_CHATTY,
    FAULT_400,
    FAULT_401,
    FAULT_404,
    FAULT_QUOTA,
    FAULT_529,
    FAULT_THINKQUOTE,
    FAULT_COUNT
};
static const char *const fault_names[FAULT_COUNT] = {
    "none", "500", "503", "429", "hang", "drop",  "malformed", "empty",
    "chatty", "400", "401", "404", "quota", "529", "thinkquote"};

/* The request's dialect: OpenAI chat completions, Ollama's /api/chat or
 * Anthropic's Messages API (/v1/messages). */
enum api { API_OPENAI, API_OLLAMA, API_ANTHROPIC };

/* Which real server fakellm plays (--server): what it accepts and sends. */
enum kind { KIND_GENERIC, KIND_OPENAI, KIND_OLLAMA, KIND_VLLM, KIND_LLAMA, KIND_LMSTUDIO,
            KIND_ANTHROPIC, KIND_GEMINI, KIND_COUNT };
static const char *const kind_names[KIND_COUNT] = {"generic",  "openai",       "ollama",
                                                   "vllm",     "llama-server", "lmstudio",
                                                   "anthropic", "gemini"};

struct config {
    int port;
    const char *port_file;
    const char *log_path;
    const char *model;
    enum rule rule;
    double threshold;
    enum style style;
    int slots;
    long latency_ms;
    long hang_ms;
    long retry_after;
    long max_lifetime;
    double fault_rate;
    enum fault faults[MAX_FAULTS];
    int nfaults;
    uint64_t fault_seed;
    enum fault fault_always;
    long fault_first;
    const char *api_key; /* from FAKELLM_API_KEY; never printed or logged */
    enum kind kind;
    int think_model;          /* thinks unless told not to */
    const char *served_model; /* the `model` replies name; NULL: the one asked */
    const char *fingerprint;
    long retry_after_ms;      /* retry-after-ms header, -1: none */
    int retry_after_date;     /* Retry-After as an HTTP date */
    const char *path_prefix;  /* routes served under it too */
    long loading_ms;          /* 503 Loading model until then */
    int router;               /* /props needs ?model= */
    const char *retry_after_raw; /* Retry-After sent verbatim (overrides --retry-after) */
    long json_tokens;         /* tokens a JSON-schema answer takes */
    int split_move, split_stay; /* the word is two tokens (log-probs) */
    int vllm_old;             /* vLLM before reasoning_effort "none" */
    int choice_fault;         /* choice prompts get words, not a number */
    int log_prompts;          /* the log carries each prompt */
    uint64_t start_ns;
};

/* Everything threads share and mutate.  `lock` guards the counters and the
 * slot state; `log_lock` serialises writes to the log file. */
struct shared {
    pthread_mutex_t lock;
    pthread_cond_t slot_free;
    int in_flight;
    int max_in_flight;
    int active_conns;
    uint64_t requests;
    uint64_t chat_requests;
    uint64_t connections;
    uint64_t faults;
    pthread_mutex_t log_lock;
    FILE *log;
};

struct server {
    struct config cfg;
    struct shared st;
    int listen_fd;
};

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

struct conn {
    struct server *srv;
    int fd;
    uint64_t no;
    struct buf in;
};

struct http_req {
    char method[8];
    char path[MAX_PATH];
    char query[MAX_PATH];
    int keep_alive;
    int expect_continue;
    int has_length;
    int chunked;
    size_t content_length;
    const char *auth; /* value of Authorization, points into the read buffer */
    size_t auth_len;
    const char *api_key_hdr; /* x-api-key (Anthropic) */
    size_t api_key_hdr_len;
    int has_version;  /* anthropic-version was sent */
    char host[128];   /* the Host header, or the authority of an absolute
                         target (a request sent through a proxy) */
    const char *body;
    size_t body_len;
    size_t total_len; /* header + body bytes to consume */
    int error;        /* HTTP status of a malformed request, else 0 */
    const char *error_msg;
};

enum action { ACT_SEND, ACT_DROP, ACT_HANG };

struct response {
    enum action action;
    int status;
    const char *body; /* either `owned` or a static string */
    char *owned;
    size_t body_len;
    long retry_after; /* < 0: no Retry-After header */
    long retry_after_ms;
    int retry_after_date;
    const char *retry_after_raw; /* sent verbatim when set */
    int close;
    const char *reply; /* the assistant text, for the log */
};

struct grid {
    int found;
    int same;
    int other;
    char text[18]; /* "a b c|d X f|g h i" */
    int options;   /* grids under "Option N:" lines: a choice prompt */
    int best;      /* the option with the most S neighbours (first of ties) */
    int best_same;
};

struct chat {
    json_t *root;
    const char *prompt; /* the last user message, when a string */
    const char *model;
    int has_seed;
    json_int_t seed;
    int has_temp;
    double temp;
    int has_max_tokens;
    json_int_t max_tokens;
    int logprobs;
    int top_logprobs;
    int thinks;        /* this request gets a thinking reply */
    long think_tokens; /* hidden reasoning it takes (hosted models), 0: none */
    const char *served_as; /* the model name replies carry (NULL: asked or --served-model) */
    long prompt_tokens;
    struct grid grid;
    int err_status;
    const char *err_type;
    const char *err_code;
    char err_msg[320];
};

struct decision {
    int choice;    /* 1: a choice prompt, answered with a number */
    int parseable; /* 0 when no grid was found */
    int move;
    double p_move;
    const char *text;
};

/* ------------------------------------------------------------- utilities */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int stopping(void)
{
    return atomic_load(&g_stop);
}

/* Sleeps at least `ms` milliseconds unless the server is stopping. */
static void sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    uint64_t deadline = now_ns() + (uint64_t)ms * 1000000u;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= deadline || stopping())
            return;
        uint64_t left = deadline - now, chunk = (uint64_t)SLEEP_CHUNK_MS * 1000000u;
        if (left < chunk)
            chunk = left;
        struct timespec ts = {(time_t)(chunk / 1000000000u), (long)(chunk % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}

static uint64_t mix64(uint64_t z) /* splitmix64 finaliser */
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static double unit_interval(uint64_t h)
{
    return (double)(h >> 11) / 9007199254740992.0;
}

static int lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------ flags */

enum {
    OPT_PORT = 256,
    OPT_PORT_FILE,
    OPT_LOG,
    OPT_MODEL,
    OPT_RULE,
    OPT_THRESHOLD,
    OPT_STYLE,
    OPT_SLOTS,
    OPT_LATENCY,
    OPT_FAULT_RATE,
    OPT_FAULTS,
    OPT_FAULT_SEED,
    OPT_FAULT,
    OPT_FAULT_FIRST,
    OPT_RETRY_AFTER,
    OPT_HANG_MS,
    OPT_MAX_LIFETIME,
    OPT_SERVER,
    OPT_THINK_MODEL,
    OPT_SERVED_MODEL,
    OPT_FINGERPRINT,
    OPT_RETRY_AFTER_MS,
    OPT_RETRY_AFTER_DATE,
    OPT_PATH_PREFIX,
    OPT_LOADING_MS,
    OPT_ROUTER,
    OPT_RETRY_AFTER_RAW,
    OPT_JSON_TOKENS,
    OPT_SPLIT_TOKENS,
    OPT_VLLM_OLD,
    OPT_CHOICE_FAULT,
    OPT_LOG_PROMPTS
};

static const struct option long_opts[] = {
    {"port", required_argument, NULL, OPT_PORT},
    {"port-file", required_argument, NULL, OPT_PORT_FILE},
    {"log", required_argument, NULL, OPT_LOG},
    {"model", required_argument, NULL, OPT_MODEL},
    {"rule", required_argument, NULL, OPT_RULE},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"reply-style", required_argument, NULL, OPT_STYLE},
    {"slots", required_argument, NULL, OPT_SLOTS},
    {"latency-ms", required_argument, NULL, OPT_LATENCY},
    {"fault-rate", required_argument, NULL, OPT_FAULT_RATE},
    {"faults", required_argument, NULL, OPT_FAULTS},
    {"fault-seed", required_argument, NULL, OPT_FAULT_SEED},
    {"fault", required_argument, NULL, OPT_FAULT},
    {"fault-first", required_argument, NULL, OPT_FAULT_FIRST},
    {"retry-after", required_argument, NULL, OPT_RETRY_AFTER},
    {"hang-ms", required_argument, NULL, OPT_HANG_MS},
    {"max-lifetime", required_argument, NULL, OPT_MAX_LIFETIME},
    {"server", required_argument, NULL, OPT_SERVER},
    {"think-model", no_argument, NULL, OPT_THINK_MODEL},
    {"served-model", required_argument, NULL, OPT_SERVED_MODEL},
    {"fingerprint", required_argument, NULL, OPT_FINGERPRINT},
    {"retry-after-ms", required_argument, NULL, OPT_RETRY_AFTER_MS},
    {"retry-after-date", no_argument, NULL, OPT_RETRY_AFTER_DATE},
    {"path-prefix", required_argument, NULL, OPT_PATH_PREFIX},
    {"loading-ms", required_argument, NULL, OPT_LOADING_MS},
    {"router", no_argument, NULL, OPT_ROUTER},
    {"retry-after-raw", required_argument, NULL, OPT_RETRY_AFTER_RAW},
    {"json-tokens", required_argument, NULL, OPT_JSON_TOKENS},
    {"split-tokens", required_argument, NULL, OPT_SPLIT_TOKENS},
    {"vllm-old", no_argument, NULL, OPT_VLLM_OLD},
    {"choice-fault", no_argument, NULL, OPT_CHOICE_FAULT},
    {"log-prompts", no_argument, NULL, OPT_LOG_PROMPTS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

static void usage(FILE *out)
{
    fputs(
        "usage: fakellm [options]\n"
        "Deterministic fake OpenAI/Ollama chat server on 127.0.0.1 for tests.\n"
        "\n"
        "  --port P            port to listen on (default 0 = ephemeral)\n"
        "  --port-file FILE    write the port + newline to FILE (via FILE.tmp + rename)\n"
        "  --log FILE          append one JSON line per chat request\n"
        "  --model NAME        the only model served (default llama3.1:8b)\n"
        "  --rule R            mechanical|always-move|always-stay|stochastic (default mechanical)\n"
        "  --threshold T       mechanical rule: STAY iff same/(same+other) >= T (default 0.5)\n"
        "  --reply-style S     plain|lower|quoted|punct|sentence (default plain)\n"
        "  --slots N           chat requests processed at once (default 4)\n"
        "  --latency-ms MS     minimum processing time per chat request (default 0)\n"
        "  --fault-rate F      probability 0..1 that a chat request is faulted (default 0)\n"
        "  --faults LIST       comma list of 500,503,429,hang,drop,malformed,empty,chatty\n"
        "                      (also 400,401,404,quota,529,thinkquote); default: the first eight\n"
        "  --fault-seed S      seed of the fault PRNG (default 1)\n"
        "  --fault KIND        fault EVERY chat request with KIND (list above)\n"
        "  --fault-first N     fault the first N chat requests, round-robin over --faults\n"
        "  --retry-after S     Retry-After seconds sent with 429/503 (default 0)\n"
        "  --hang-ms MS        how long a 'hang' fault waits before closing (default 3000)\n"
        "  --max-lifetime S    exit after S seconds; 0 = never (default 600)\n"
        "  --server KIND       play generic|openai|ollama|vllm|llama-server|lmstudio|\n"
        "                      anthropic|gemini (see fakellm.md)\n"
        "  --think-model       the model thinks unless the request turns it off\n"
        "  --served-model M    replies name model M whatever was asked (llama-server)\n"
        "  --fingerprint FP    system_fingerprint of OpenAI replies (default fakellm-1)\n"
        "  --retry-after-ms MS retry-after-ms header with 429/503\n"
        "  --retry-after-date  send Retry-After as an HTTP date\n"
        "  --path-prefix P     serve every route under P too (a proxy)\n"
        "  --loading-ms MS     503 Loading model for MS ms after start\n"
        "  --router            /props needs ?model= (llama-server router mode)\n"
        "  --retry-after-raw S Retry-After: S verbatim with 429/503/529 (e.g. a huge number)\n"
        "  --json-tokens N     a JSON-schema answer takes N tokens, cut at the cap (default 1)\n"
        "  --split-tokens W    MOVE, STAY or MOVE,STAY: that word is two tokens (log-probs)\n"
        "  --vllm-old          vLLM before 0.11: reasoning_effort only low|medium|high\n"
        "  --choice-fault      a choice prompt (\"Option N:\" grids) gets words, not its number\n"
        "  --log-prompts       each log line carries the prompt (the last user message)\n"
        "  -h, --help          show this help\n"
        "\n"
        "If FAKELLM_API_KEY is set, /v1/* and /api/* require 'Authorization: Bearer <key>'.\n"
        "Exit status: 0 on SIGTERM/SIGINT/max-lifetime, 64 bad flags, 71 cannot bind,\n"
        "73 cannot write the log or port file.\n",
        out);
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* Parses "500,hang,drop" into cfg->faults. */
static int parse_fault_list(const char *s, struct config *cfg)
{
    cfg->nfaults = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        char name[16];
        if (n == 0 || n >= sizeof name || cfg->nfaults == MAX_FAULTS)
            return -1;
        memcpy(name, s, n);
        name[n] = '\0';
        int f = lookup(fault_names, FAULT_COUNT, name); /* "none": answered normally */
        if (f < FAULT_NONE)
            return -1;
        cfg->faults[cfg->nfaults++] = (enum fault)f;
        s += n;
        if (*s == ',' && *++s == '\0')
            return -1;
    }
    return cfg->nfaults > 0 ? 0 : -1;
}

static void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->model = "llama3.1:8b";
    cfg->rule = RULE_MECHANICAL;
    cfg->threshold = 0.5;
    cfg->style = STYLE_PLAIN;
    cfg->slots = 4;
    cfg->hang_ms = 3000;
    cfg->max_lifetime = 600;
    cfg->fault_seed = 1;
    cfg->fingerprint = "fakellm-1";
    cfg->retry_after_ms = -1;
    cfg->json_tokens = 1;
    for (int f = FAULT_500; f <= FAULT_CHATTY; f++)
        cfg->faults[cfg->nfaults++] = (enum fault)f;
}

/* Applies one option; returns 0 or -1 when its value is invalid. */
static int apply_option(struct config *cfg, int opt, const char *arg)
{
    long v;
    int i;
    switch (opt) {
    case OPT_PORT:
        if (parse_long(arg, 0, 65535, &v))
            return -1;
        cfg->port = (int)v;
        return 0;
    case OPT_PORT_FILE: cfg->port_file = arg; return *arg ? 0 : -1;
    case OPT_LOG: cfg->log_path = arg; return *arg ? 0 : -1;
    case OPT_MODEL: cfg->model = arg; return *arg ? 0 : -1;
    case OPT_RULE:
        if ((i = lookup(rule_names, RULE_COUNT, arg)) < 0)
            return -1;
        cfg->rule = (enum rule)i;
        return 0;
    case OPT_THRESHOLD: return parse_double(arg, 0.0, 1.0, &cfg->threshold);
    case OPT_STYLE:
        if ((i = lookup(style_names, STYLE_COUNT, arg)) < 0)
            return -1;
        cfg->style = (enum style)i;
        return 0;
    case OPT_SLOTS:
        if (parse_long(arg, 1, 1024, &v))
            return -1;
        cfg->slots = (int)v;
        return 0;
    case OPT_LATENCY: return parse_long(arg, 0, 3600000, &cfg->latency_ms);
    case OPT_FAULT_RATE: return parse_double(arg, 0.0, 1.0, &cfg->fault_rate);
    case OPT_FAULTS: return parse_fault_list(arg, cfg);
    case OPT_FAULT_SEED: return parse_u64(arg, &cfg->fault_seed);
    case OPT_FAULT:
        if ((i = lookup(fault_names, FAULT_COUNT, arg)) < 0)
            return -1;
        cfg->fault_always = (enum fault)i;
        return 0;
    case OPT_FAULT_FIRST: return parse_long(arg, 0, 1000000000L, &cfg->fault_first);
    case OPT_RETRY_AFTER: return parse_long(arg, 0, 86400, &cfg->retry_after);
    case OPT_HANG_MS: return parse_long(arg, 0, 3600000, &cfg->hang_ms);
    case OPT_MAX_LIFETIME: return parse_long(arg, 0, 31536000L, &cfg->max_lifetime);
    case OPT_SERVER: {
        int k = lookup(kind_names, KIND_COUNT, arg);
        if (k < 0)
            return -1;
        cfg->kind = (enum kind)k;
        return 0;
    }
    case OPT_THINK_MODEL: cfg->think_model = 1; return 0;
    case OPT_SERVED_MODEL: cfg->served_model = arg; return *arg ? 0 : -1;
    case OPT_FINGERPRINT: cfg->fingerprint = arg; return *arg ? 0 : -1;
    case OPT_RETRY_AFTER_MS: return parse_long(arg, 0, 86400000L, &cfg->retry_after_ms);
    case OPT_RETRY_AFTER_DATE: cfg->retry_after_date = 1; return 0;
    case OPT_PATH_PREFIX: cfg->path_prefix = arg; return arg[0] == '/' ? 0 : -1;
    case OPT_LOADING_MS: return parse_long(arg, 0, 3600000L, &cfg->loading_ms);
    case OPT_ROUTER: cfg->router = 1; return 0;
    case OPT_RETRY_AFTER_RAW:
        cfg->retry_after_raw = arg;
        return *arg && strcspn(arg, "\r\n") == strlen(arg) ? 0 : -1;
    case OPT_JSON_TOKENS: return parse_long(arg, 1, 4096, &cfg->json_tokens);
    case OPT_SPLIT_TOKENS:
        cfg->split_move = strstr(arg, "MOVE") != NULL;
        cfg->split_stay = strstr(arg, "STAY") != NULL;
        return cfg->split_move || cfg->split_stay ? 0 : -1;
    case OPT_VLLM_OLD: cfg->vllm_old = 1; return 0;
    case OPT_CHOICE_FAULT: cfg->choice_fault = 1; return 0;
    case OPT_LOG_PROMPTS: cfg->log_prompts = 1; return 0;
    default: return -1;
    }
}

/* Returns 0 to run, 1 after --help, -1 on bad flags (message printed). */
static int parse_args(int argc, char **argv, struct config *cfg)
{
    config_defaults(cfg);
    int opt, idx = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", long_opts, &idx)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return 1;
        }
        if (opt == '?' || opt == ':') {
            fprintf(stderr, "fakellm: %s option '%s'\n",
                    opt == '?' ? "unknown" : "missing argument for", argv[optind - 1]);
            fprintf(stderr, "Try 'fakellm --help'.\n");
            return -1;
        }
        if (apply_option(cfg, opt, optarg) != 0) {
            fprintf(stderr, "fakellm: invalid value for --%s: '%s'\n", long_opts[idx].name, optarg);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fakellm: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------- shared state */

static int shared_init(struct shared *st, const char *log_path)
{
    memset(st, 0, sizeof *st);
    if (pthread_mutex_init(&st->lock, NULL) != 0 || pthread_cond_init(&st->slot_free, NULL) != 0 ||
        pthread_mutex_init(&st->log_lock, NULL) != 0) {
        fprintf(stderr, "fakellm: cannot initialise locks\n");
        return -1;
    }
    if (log_path && !(st->log = fopen(log_path, "a"))) {
        fprintf(stderr, "fakellm: cannot open log '%s': %s\n", log_path, strerror(errno));
        return -1;
    }
    return 0;
}

static void shared_destroy(struct shared *st)
{
    if (st->log)
        fclose(st->log);
    pthread_mutex_destroy(&st->log_lock);
    pthread_cond_destroy(&st->slot_free);
    pthread_mutex_destroy(&st->lock);
}

static void count_request(struct shared *st)
{
    pthread_mutex_lock(&st->lock);
    st->requests++;
    pthread_mutex_unlock(&st->lock);
}

/* Returns the 1-based number of this chat request. */
static uint64_t count_chat(struct shared *st)
{
    pthread_mutex_lock(&st->lock);
    uint64_t n = ++st->chat_requests;
    pthread_mutex_unlock(&st->lock);
    return n;
}

static void count_fault(struct shared *st)
{
    pthread_mutex_lock(&st->lock);
    st->faults++;
    pthread_mutex_unlock(&st->lock);
}

static void slot_acquire(struct shared *st, int slots)
{
    pthread_mutex_lock(&st->lock);
    while (st->in_flight >= slots && !stopping())
        pthread_cond_wait(&st->slot_free, &st->lock);
    if (++st->in_flight > st->max_in_flight)
        st->max_in_flight = st->in_flight;
    pthread_mutex_unlock(&st->lock);
}

static void slot_release(struct shared *st)
{
    pthread_mutex_lock(&st->lock);
    st->in_flight--;
    pthread_cond_signal(&st->slot_free);
    pthread_mutex_unlock(&st->lock);
}

static void log_line(struct shared *st, const char *line)
{
    pthread_mutex_lock(&st->log_lock);
    if (fputs(line, st->log) == EOF || fputc('\n', st->log) == EOF || fflush(st->log) != 0)
        fprintf(stderr, "fakellm: log write failed: %s\n", strerror(errno));
    pthread_mutex_unlock(&st->log_lock);
}

/* -------------------------------------------------------------- responses */

static const char oom_body[] =
    "{\"error\":{\"message\":\"fakellm: out of memory\",\"type\":\"server_error\",\"code\":null}}";

static void response_init(struct response *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->retry_after = -1;
    rs->retry_after_ms = -1;
    rs->retry_after_date = 0;
}

static void response_free(struct response *rs)
{
    free(rs->owned);
}

static void set_static(struct response *rs, int status, const char *body)
{
    rs->status = status;
    rs->body = body;
    rs->body_len = strlen(body);
}

/* Serialises `j` (consumed) as the response body. */
static void set_json(struct response *rs, int status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) {
        set_static(rs, 500, oom_body);
        return;
    }
    free(rs->owned);
    rs->owned = text;
    rs->body = text;
    rs->body_len = strlen(text);
    rs->status = status;
}

static const struct config *g_cfg; /* read-only after start: the server played */

/* Google's status names for HTTP codes (google.rpc.Code), as the Gemini
 * API's error bodies carry them. */
static const char *google_status(int status)
{
    switch (status) {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 429: return "RESOURCE_EXHAUSTED";
    case 503: return "UNAVAILABLE";
    case 504: return "DEADLINE_EXCEEDED";
    default: return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    }
}

/* Anthropic's error.type for an HTTP status (platform.claude.com/docs/en/api/errors). */
static const char *anthropic_type(int status)
{
    switch (status) {
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 504: return "timeout_error";
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

/*
 * An error body in the dialect of the server played.  OpenAI:
 * {"error":{"message","type","code"}}; Ollama: {"error":"message"};
 * Anthropic's Messages API: {"type":"error","error":{"type","message"},
 * "request_id"}; Google's Gemini API (also through its OpenAI layer): a
 * one-element array [{"error":{"code","message","status"}}].
 */
static void set_error(struct response *rs, enum api api, int status, const char *type,
                      const char *code, const char *msg)
{
    json_t *j;
    if (api == API_OLLAMA)
        j = json_pack("{s:s}", "error", msg);
    else if (api == API_ANTHROPIC)
        j = json_pack("{s:s, s:{s:s, s:s}, s:s}", "type", "error", "error", "type",
                      anthropic_type(status), "message", msg, "request_id", "req_fakellm");
    else if (g_cfg && g_cfg->kind == KIND_GEMINI)
        j = json_pack("[{s:{s:i, s:s, s:s}}]", "error", "code", status, "message", msg, "status",
                      google_status(status));
    else
        j = json_pack("{s:{s:s, s:s, s:s?}}", "error", "message", msg, "type", type, "code", code);
    set_json(rs, status, j);
}

static const char *status_text(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 529: return "Site Overloaded";
    default: return "Unknown";
    }
}

static const char *error_type(int status)
{
    switch (status) {
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 429: return "rate_limit_error";
    case 500:
    case 503: return "server_error";
    default: return "invalid_request_error";
    }
}

/* ------------------------------------------------------------ socket I/O */

static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        size_t done = (size_t)w;
        while (n > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + done;
            iov->iov_len -= done;
        }
    }
    return 0;
}

static int send_response(int fd, const struct response *rs, int keep_alive)
{
    char head[640], retry[256] = "";
    int used = 0;
    if (rs->retry_after_ms >= 0)
        used = snprintf(retry, sizeof retry, "retry-after-ms: %ld\r\n", rs->retry_after_ms);
    if (rs->retry_after >= 0 && rs->retry_after_date && !rs->retry_after_raw) {
        time_t when = time(NULL) + rs->retry_after + 1; /* whole seconds: round up */
        struct tm tm;
        gmtime_r(&when, &tm);
        strftime(retry + used, sizeof retry - (size_t)used,
                 "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    } else if (rs->retry_after_raw) {
        snprintf(retry + used, sizeof retry - (size_t)used, "Retry-After: %.100s\r\n",
                 rs->retry_after_raw);
    } else if (rs->retry_after >= 0) {
        snprintf(retry + used, sizeof retry - (size_t)used, "Retry-After: %ld\r\n",
                 rs->retry_after);
    }
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nServer: fakellm\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: %s\r\n%s\r\n",
                     rs->status, status_text(rs->status), rs->body_len,
                     keep_alive ? "keep-alive" : "close", retry);
    if (n < 0 || (size_t)n >= sizeof head)
        return -1;
    struct iovec iov[2] = {{head, (size_t)n}, {(void *)rs->body, rs->body_len}};
    return write_all(fd, iov, rs->body_len ? 2 : 1);
}

static int buf_reserve(struct buf *b, size_t need)
{
    if (need + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 16384;
    while (cap < need + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

/* Reads more bytes into c->in.  Returns 0 when data arrived, -1 when the
 * connection should be closed (EOF, error, idle timeout or shutdown). */
static int read_more(struct conn *c, uint64_t *last_data)
{
    if (buf_reserve(&c->in, c->in.len + READ_CHUNK) != 0)
        return -1;
    for (;;) {
        ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1, 0);
        if (n > 0) {
            c->in.len += (size_t)n;
            c->in.data[c->in.len] = '\0';
            *last_data = now_ns();
            return 0;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return -1;
        if (stopping() || now_ns() - *last_data > (uint64_t)IDLE_TIMEOUT_MS * 1000000u)
            return -1;
    }
}

static void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data)
        b->data[b->len] = '\0';
}

/* --------------------------------------------------------- HTTP parsing */

/* Returns the length of the head including the blank line, or 0. */
static size_t header_end(const char *d, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (d[i] == '\n' && d[i - 1] == '\r' && d[i - 2] == '\n' && d[i - 3] == '\r')
            return i + 1;
    return 0;
}

static int bad(struct http_req *r, int status, const char *msg)
{
    r->error = status;
    r->error_msg = msg;
    return -1;
}

/* Is `token` one of the comma-separated tokens in value[0..n)? */
static int has_token(const char *v, size_t n, const char *token)
{
    size_t tl = strlen(token);
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end - start == tl && strncasecmp(v + start, token, tl) == 0)
            return 1;
    }
    return 0;
}

static int parse_content_length(const char *v, size_t n, struct http_req *r)
{
    size_t len = 0;
    if (n == 0)
        return bad(r, 400, "invalid Content-Length");
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return bad(r, 400, "invalid Content-Length");
        len = len * 10 + (size_t)(v[i] - '0');
        if (len > MAX_BODY)
            return bad(r, 413, "request body too large");
    }
    if (r->has_length && r->content_length != len)
        return bad(r, 400, "conflicting Content-Length headers");
    r->has_length = 1;
    r->content_length = len;
    return 0;
}

static int header_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

static int parse_header(const char *line, size_t n, struct http_req *r, int *conn_close,
                        int *conn_keep)
{
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line)
        return bad(r, 400, "malformed header line");
    size_t nlen = (size_t)(colon - line);
    const char *v = colon + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);
    if (header_is(line, nlen, "content-length"))
        return parse_content_length(v, vlen, r);
    if (header_is(line, nlen, "transfer-encoding"))
        r->chunked = 1;
    else if (header_is(line, nlen, "authorization")) {
        r->auth = v;
        r->auth_len = vlen;
    } else if (header_is(line, nlen, "x-api-key")) {
        r->api_key_hdr = v;
        r->api_key_hdr_len = vlen;
    } else if (header_is(line, nlen, "anthropic-version"))
        r->has_version = vlen > 0;
    else if (header_is(line, nlen, "host")) {
        if (!r->host[0])
            snprintf(r->host, sizeof r->host, "%.*s", (int)vlen, v);
    } else if (header_is(line, nlen, "expect"))
        r->expect_continue = has_token(v, vlen, "100-continue");
    else if (header_is(line, nlen, "connection")) {
        *conn_close |= has_token(v, vlen, "close");
        *conn_keep |= has_token(v, vlen, "keep-alive");
    }
    return 0;
}

/* Returns the HTTP minor version (0 or 1), or -1. */
static int parse_request_line(const char *line, size_t n, struct http_req *r)
{
    const char *sp1 = memchr(line, ' ', n);
    if (!sp1)
        return bad(r, 400, "malformed request line");
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', n - (size_t)(target - line));
    if (!sp2)
        return bad(r, 400, "malformed request line");
    size_t mlen = (size_t)(sp1 - line), tlen = (size_t)(sp2 - target);
    size_t vlen = n - (size_t)(sp2 + 1 - line);
    /* absolute-form (RFC 9112 3.2.2), as a client sends it to an HTTP
     * proxy: the authority is the host asked for, the rest the path */
    if (tlen > 7 && strncmp(target, "http://", 7) == 0) {
        const char *auth = target + 7, *slash = memchr(auth, '/', tlen - 7);
        size_t alen = slash ? (size_t)(slash - auth) : tlen - 7;
        snprintf(r->host, sizeof r->host, "%.*s", (int)alen, auth);
        if (!slash)
            return bad(r, 400, "absolute target without a path");
        tlen -= (size_t)(slash - target);
        target = slash;
    }
    if (mlen == 0 || mlen >= sizeof r->method)
        return bad(r, 400, "unsupported method");
    size_t plen = strcspn(target, "? ");
    if (plen > tlen)
        plen = tlen;
    if (plen >= sizeof r->path)
        return bad(r, 414, "request target too long");
    memcpy(r->method, line, mlen);
    memcpy(r->path, target, plen);
    if (plen < tlen && target[plen] == '?' && tlen - plen - 1 < sizeof r->query)
        memcpy(r->query, target + plen + 1, tlen - plen - 1);
    if (vlen != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1'))
        return bad(r, 400, "unsupported HTTP version");
    return sp2[8] - '0';
}

/* Parses the request head d[0..head_len).  Returns 0 or -1 with r->error. */
static int parse_head(const char *d, size_t head_len, struct http_req *r)
{
    memset(r, 0, sizeof *r);
    const char *p = d, *end = d + head_len;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = (size_t)(nl - p);
    int minor = parse_request_line(p, n > 0 && p[n - 1] == '\r' ? n - 1 : n, r);
    if (minor < 0)
        return -1;
    int conn_close = 0, conn_keep = 0;
    for (p = nl + 1; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        n = (size_t)(nl - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n == 0)
            break;
        if (parse_header(p, n, r, &conn_close, &conn_keep) != 0)
            return -1;
    }
    r->keep_alive = minor == 1 ? !conn_close : (conn_keep && !conn_close);
    if (r->chunked)
        return bad(r, 411, "chunked request bodies are not supported; send Content-Length");
    if (!r->has_length && strcmp(r->method, "POST") == 0)
        return bad(r, 411, "POST requires Content-Length");
    return 0;
}

/* Reads one full request.  Returns 1 with a request, 0 to close quietly, or
 * -1 for a malformed request (r->error says which status to send). */
static int read_request(struct conn *c, struct http_req *r)
{
    uint64_t last = now_ns();
    size_t head_len;
    while ((head_len = header_end(c->in.data, c->in.len)) == 0) {
        if (c->in.len >= MAX_HEADER) {
            memset(r, 0, sizeof *r);
            return bad(r, 431, "request head too large");
        }
        if (read_more(c, &last) != 0)
            return 0;
    }
    if (head_len > MAX_HEADER) {
        memset(r, 0, sizeof *r);
        return bad(r, 431, "request head too large");
    }
    if (parse_head(c->in.data, head_len, r) != 0)
        return -1;
    size_t total = head_len + r->content_length;
    if (r->expect_continue && c->in.len < total) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        struct iovec iov = {(void *)cont, sizeof cont - 1};
        if (write_all(c->fd, &iov, 1) != 0)
            return 0;
    }
    while (c->in.len < total)
        if (read_more(c, &last) != 0)
            return 0;
    r->body = c->in.data + head_len;
    r->body_len = r->content_length;
    r->total_len = total;
    return 1;
}

/* ------------------------------------------------------- decision rule */

static int is_cell(char ch)
{
    return ch && strchr("XSOE#", ch) != NULL;
}

static int is_row(const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '\r')
        n--;
    return n == 5 && is_cell(s[0]) && s[1] == ' ' && is_cell(s[2]) && s[3] == ' ' && is_cell(s[4]);
}

static void grid_record(struct grid *g, const char *rows[3])
{
    g->found = 1;
    g->same = g->other = 0;
    for (int r = 0; r < 3; r++) {
        memcpy(g->text + r * 6, rows[r], 5);
        g->text[r * 6 + 5] = r < 2 ? '|' : '\0';
        for (int col = 0; col < 5; col += 2) {
            if (r == 1 && col == 2)
                continue;
            g->same += rows[r][col] == 'S';
            g->other += rows[r][col] == 'O';
        }
    }
}

/* Records into g the last 3-line run of grid rows with X at the centre;
 * grids under an "Option N:" line are a choice prompt's options, and the
 * choosing rule takes the one with the most like (S) neighbours. */
static void grid_scan(const char *text, struct grid *g)
{
    const char *rows[3] = {NULL, NULL, NULL}, *line[4] = {NULL, NULL, NULL, NULL};
    const char *p = text;
    for (;;) {
        size_t n = strcspn(p, "\n");
        rows[0] = rows[1];
        rows[1] = rows[2];
        rows[2] = is_row(p, n) ? p : NULL;
        memmove(line, line + 1, 3 * sizeof line[0]);
        line[3] = p; /* line[0]: the line above rows[0] */
        if (rows[0] && rows[1] && rows[2] && rows[1][2] == 'X') {
            grid_record(g, rows);
            if (line[0] != NULL && strncmp(line[0], "Option ", 7) == 0 &&
                atoi(line[0] + 7) == g->options + 1) {
                if (++g->options == 1 || g->same > g->best_same) {
                    g->best = g->options;
                    g->best_same = g->same;
                }
            }
        }
        if (p[n] == '\0')
            return;
        p += n + 1;
    }
}

/* Returns the character count of a message content (string or array of
 * text parts) and, when g is set, scans it for the neighbourhood grid. */
static long content_scan(json_t *content, struct grid *g)
{
    long chars = 0;
    if (json_is_string(content)) {
        chars = (long)json_string_length(content);
        if (g)
            grid_scan(json_string_value(content), g);
        return chars;
    }
    size_t i;
    json_t *part;
    json_array_foreach(content, i, part)
    {
        json_t *t = json_object_get(part, "text");
        if (json_is_string(t)) {
            chars += (long)json_string_length(t);
            if (g)
                grid_scan(json_string_value(t), g);
        }
    }
    return chars;
}

/* Stochastic rule at temperature > 0: a uniform draw hashed from the
 * request seed, the grid text and the model name, so replies repeat. */
static int stochastic_move(const struct chat *ch, double p_move)
{
    unsigned char seed[9] = {(unsigned char)ch->has_seed};
    for (int i = 0; i < 8; i++)
        seed[i + 1] = (unsigned char)((uint64_t)ch->seed >> (8 * i));
    uint64_t h = fnv1a(0xcbf29ce484222325ull, seed, sizeof seed);
    h = fnv1a(h, ch->grid.text, strlen(ch->grid.text) + 1);
    h = fnv1a(h, ch->model, strlen(ch->model));
    return unit_interval(mix64(h)) < p_move;
}

static const char *reply_text(enum style style, int move)
{
    static const char *const text[STYLE_COUNT][2] = {{"STAY", "MOVE"},
                                                     {"stay", "move"},
                                                     {"\"STAY\"", "\"MOVE\""},
                                                     {"STAY.", "MOVE."},
                                                     {"I think I'd stay", "I think I'd move"}};
    return text[style][move];
}

/* The fake model's answer to a chat whose grid was parsed into ch->grid. */
static struct decision decide(const struct config *cfg, const struct chat *ch)
{
    static const char *const number[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    struct decision d = {0, 0, 0, 0.5, NO_GRID_REPLY};
    int same = ch->grid.same, other = ch->grid.other, occ = same + other;
    if (!ch->grid.found)
        return d;
    if (ch->grid.options > 0) { /* a mover's choice: the most like neighbours */
        d.parseable = 1;
        d.text = cfg->choice_fault ? "the one with more of my own" :
                 ch->grid.best <= 9 ? number[ch->grid.best] : NO_GRID_REPLY;
        d.choice = 1;
        return d;
    }
    d.parseable = 1;
    switch (cfg->rule) {
    case RULE_MECHANICAL:
        if (occ == 0)
            d.move = 1;
        else
            d.move = !((1.0 - (double)other / occ) >= cfg->threshold);
        d.p_move = d.move ? 0.98 : 0.02;
        break;
    case RULE_ALWAYS_MOVE:
        d.move = 1;
        d.p_move = 0.999;
        break;
    case RULE_ALWAYS_STAY:
        d.move = 0;
        d.p_move = 0.001;
        break;
    default: /* RULE_STOCHASTIC */
        d.p_move = (other + 1.0) / (same + other + 2.0);
        if (!ch->has_temp || ch->temp == 0.0)
            d.move = d.p_move > 0.5;
        else
            d.move = stochastic_move(ch, d.p_move);
        break;
    }
    d.text = reply_text(cfg->style, d.move);
    return d;
}

/* ---------------------------------------------------- chat request body */

static void chat_error(struct chat *ch, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void chat_error(struct chat *ch, int status, const char *code, const char *fmt, ...)
{
    if (ch->err_status)
        return; /* keep the first error */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ch->err_msg, sizeof ch->err_msg, fmt, ap);
    va_end(ap);
    ch->err_status = status;
    ch->err_type = error_type(status);
    ch->err_code = code;
}

/* Copies seed / temperature / max_tokens / logprobs from the request. */
static void chat_params(enum api api, struct chat *ch)
{
    json_t *src = api == API_OLLAMA ? json_object_get(ch->root, "options") : ch->root;
    json_t *v;
    if (json_is_integer(v = json_object_get(src, "seed"))) {
        ch->has_seed = 1;
        ch->seed = json_integer_value(v);
    }
    if (json_is_number(v = json_object_get(src, "temperature"))) {
        ch->has_temp = 1;
        ch->temp = json_number_value(v);
    }
    v = json_object_get(src, api == API_OLLAMA ? "num_predict" : "max_tokens");
    if (!v && api == API_OPENAI)
        v = json_object_get(src, "max_completion_tokens");
    if (json_is_integer(v)) {
        ch->has_max_tokens = 1;
        ch->max_tokens = json_integer_value(v);
    }
    {
        ch->logprobs = json_is_true(json_object_get(ch->root, "logprobs"));
        v = json_object_get(ch->root, "top_logprobs");
        if (json_is_integer(v) && json_integer_value(v) > 0)
            ch->top_logprobs = json_integer_value(v) > 20 ? 20 : (int)json_integer_value(v);
    }
}

/* Counts prompt size and finds the grid in the last user message. */
static void chat_messages(struct chat *ch, json_t *messages)
{
    json_t *last_user = NULL, *m;
    size_t i;
    json_array_foreach(messages, i, m)
    {
        json_t *content = json_object_get(m, "content");
        ch->prompt_tokens += 4 + content_scan(content, NULL) / 4;
        const char *role = json_string_value(json_object_get(m, "role"));
        if (role && strcmp(role, "user") == 0)
            last_user = content;
    }
    if (last_user)
        content_scan(last_user, &ch->grid);
    ch->prompt = json_string_value(last_user);
}

/*
 * Whether the model asked for is served, and under which name replies
 * carry it: --served-model serves any name; Anthropic's aliases resolve to
 * the dated snapshot ("claude-sonnet-4-5" -> "claude-sonnet-4-5-20250929",
 * platform.claude.com/docs/en/about-claude/models/model-ids-and-versions);
 * Gemini lists its models as "models/<name>" and takes either form.
 */
static int model_served(const struct config *cfg, struct chat *ch)
{
    const char *m = ch->model, *served = cfg->model;
    size_t n = strlen(m);
    if (cfg->served_model || strcmp(m, served) == 0)
        return 1;
    if (cfg->kind == KIND_ANTHROPIC && strncmp(served, m, n) == 0 && served[n] == '-' &&
        strlen(served + n + 1) == 8 && strspn(served + n + 1, "0123456789") == 8) {
        ch->served_as = served;
        return 1;
    }
    if (cfg->kind == KIND_GEMINI && strncmp(m, "models/", 7) == 0 && strcmp(m + 7, served) == 0) {
        ch->served_as = served;
        return 1;
    }
    return 0;
}

static void model_missing(const struct config *cfg, enum api api, struct chat *ch)
{
    if (api == API_ANTHROPIC)
        chat_error(ch, 404, NULL, "model: %.200s", ch->model);
    else if (cfg->kind == KIND_GEMINI)
        chat_error(ch, 404, NULL,
                   "models/%.200s is not found for API version v1beta, or is not supported for "
                   "generateContent. Call ListModels to see the list of available models and "
                   "their supported methods.",
                   strncmp(ch->model, "models/", 7) == 0 ? ch->model + 7 : ch->model);
    else
        chat_error(ch, 404, "model_not_found", "model '%.200s' not found", ch->model);
}

static void chat_parse(const struct config *cfg, enum api api, const struct http_req *hr,
                       struct chat *ch)
{
    memset(ch, 0, sizeof *ch);
    json_error_t jerr;
    ch->root = json_loadb(hr->body, hr->body_len, 0, &jerr);
    if (!ch->root) {
        chat_error(ch, 400, NULL, "invalid JSON body: %s", jerr.text);
        return;
    }
    if (!json_is_object(ch->root)) {
        chat_error(ch, 400, NULL, "request body must be a JSON object");
        return;
    }
    ch->model = json_string_value(json_object_get(ch->root, "model"));
    chat_params(api, ch);
    json_t *messages = json_object_get(ch->root, "messages");
    if (!ch->model)
        chat_error(ch, 400, "missing_model", "'model' is required");
    else if (!model_served(cfg, ch))
        model_missing(cfg, api, ch);
    if (!json_is_array(messages))
        chat_error(ch, 400, NULL, "'messages' must be an array");
    else
        chat_messages(ch, messages);
    json_t *stream = json_object_get(ch->root, "stream");
    if (api == API_OLLAMA ? !json_is_false(stream) : json_is_true(stream))
        chat_error(ch, 400, NULL, "streaming is not supported by fakellm; send \"stream\": false");
}

/* ------------------------------------------------------- chat responses */

/* A word the model writes as two tokens (--split-tokens): its first token. */
static const char *first_token(const char *word, char *buf, size_t len)
{
    int split = (strcmp(word, "MOVE") == 0 && g_cfg && g_cfg->split_move) ||
                (strcmp(word, "STAY") == 0 && g_cfg && g_cfg->split_stay);
    if (!split)
        return word;
    snprintf(buf, len, "%.2s", word);
    return buf;
}

static int append_token(json_t *arr, const char *token, double lp, json_t *top)
{
    json_t *t = json_pack("{s:s, s:f, s:o}", "token", token, "logprob", lp, "top_logprobs",
                          top ? top : json_array());
    return t ? json_array_append_new(arr, t) : -1;
}

/*
 * OpenAI's choices[0].logprobs: one entry per generated token with the
 * alternatives of the first.  A split word (--split-tokens) is generated
 * as two tokens ("ST" + "AY") and offered as its first one among the
 * alternatives, as a tokenizer without a single STAY token would.
 */
static json_t *logprobs_json(const struct decision *d, int top_k)
{
    json_t *top = json_array(), *content = json_array();
    char b1[8], b2[8];
    if (!top || !content) {
        json_decref(top);
        json_decref(content);
        return NULL;
    }
    double lp = 0.0;
    if (d->parseable) {
        double pm = d->p_move, ps = 1.0 - pm;
        const char *tok[2] = {pm >= ps ? "MOVE" : "STAY", pm >= ps ? "STAY" : "MOVE"};
        double p[2] = {pm >= ps ? pm : ps, pm >= ps ? ps : pm};
        for (int i = 0; i < top_k && i < 2; i++) {
            if (json_array_append_new(top, json_pack("{s:s, s:f}", "token",
                                                     first_token(tok[i], b1, sizeof b1), "logprob",
                                                     log(p[i]))) != 0) {
                json_decref(top);
                json_decref(content);
                return NULL;
            }
        }
        lp = log(d->move ? pm : ps);
    }
    const char *word = d->move ? "MOVE" : "STAY";
    const char *head = d->parseable && strcmp(d->text, word) == 0 ? first_token(word, b2, sizeof b2)
                                                                   : d->text;
    int bad = append_token(content, head, lp, top) != 0;
    if (!bad && head != d->text)
        bad = append_token(content, word + 2, 0.0, NULL) != 0;
    if (bad) {
        json_decref(content);
        return NULL;
    }
    return json_pack("{s:o}", "content", content);
}

/* What a reply cost: completion tokens, of which reasoning. */
struct usage {
    long completion;
    long reasoning;
};

static const char *served(const struct chat *ch)
{
    if (ch->served_as)
        return ch->served_as;
    return g_cfg && g_cfg->served_model ? g_cfg->served_model : ch->model;
}

/*
 * OpenAI chat.completion; d may be NULL (no logprobs); text NULL is
 * content null (Gemini's answer cut off while thinking).  Hosted kinds
 * report reasoning tokens in usage.completion_tokens_details.
 */
static json_t *openai_reply(const struct chat *ch, uint64_t n, const char *text,
                            const struct decision *d, const struct usage *u, const char *finish)
{
    char id[32];
    long completion = u ? u->completion : 1;
    snprintf(id, sizeof id, "fake-%llu", (unsigned long long)n);
    json_t *choice = json_pack("{s:i, s:{s:s, s:o}, s:s}", "index", 0, "message", "role",
                               "assistant", "content", text ? json_string(text) : json_null(),
                               "finish_reason", finish ? finish : "stop");
    if (choice && d && ch->logprobs &&
        json_object_set_new(choice, "logprobs", logprobs_json(d, ch->top_logprobs)) != 0) {
        json_decref(choice);
        return NULL;
    }
    if (!choice)
        return NULL;
    json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:s, s:[o], s:{s:I, s:I, s:I}}", "id", id,
                          "object", "chat.completion", "created", (json_int_t)CREATED_EPOCH,
                          "model", served(ch), "system_fingerprint",
                          g_cfg ? g_cfg->fingerprint : "fakellm-1", "choices", choice, "usage",
                          "prompt_tokens", (json_int_t)ch->prompt_tokens, "completion_tokens",
                          (json_int_t)completion, "total_tokens",
                          (json_int_t)(ch->prompt_tokens + completion));
    if (j && g_cfg && (g_cfg->kind == KIND_ANTHROPIC || g_cfg->kind == KIND_GEMINI))
        json_object_del(j, "system_fingerprint"); /* OpenAI's; the other layers' docs omit it */
    if (j && u)
        json_object_set_new(json_object_get(j, "usage"), "completion_tokens_details",
                            json_pack("{s:I}", "reasoning_tokens", (json_int_t)u->reasoning));
    return j;
}

static json_t *ollama_reply(const struct chat *ch, const char *text)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:b, s:s, s:I, s:i}", "model", served(ch),
                     "created_at", CREATED_AT, "message", "role", "assistant", "content", text,
                     "done", 1, "done_reason", "stop", "prompt_eval_count",
                     (json_int_t)ch->prompt_tokens, "eval_count", 1);
}

/* Ollama's native logprobs (0.12.11): a top-level array, one per token. */
static json_t *ollama_logprobs(const struct decision *d, int top_k)
{
    json_t *openai = logprobs_json(d, top_k);
    json_t *content = json_incref(json_object_get(openai, "content"));
    json_decref(openai);
    return content;
}

#define THINKING "Okay, the agent sees its neighbours; let me count them one by one"

/* A thinking model's reply as each server shapes it, cut off by the cap. */
static json_t *thinking_reply(const struct config *cfg, enum api api, const struct chat *ch,
                              uint64_t n, const struct decision *d)
{
    int room = ch->has_max_tokens && ch->max_tokens >= 64; /* the answer fits after thinking */
    char inline_text[256];
    json_t *j, *msg;
    snprintf(inline_text, sizeof inline_text, "<think>\n%s%s%s", THINKING,
             room ? "\n</think>\n\n" : "", room ? d->text : "");
    if (api == API_OLLAMA) {
        j = ollama_reply(ch, room ? d->text : "");
        json_object_set_new(json_object_get(j, "message"), "thinking", json_string(THINKING));
        return j;
    }
    j = openai_reply(ch, n, cfg->kind == KIND_VLLM || cfg->kind == KIND_OLLAMA
                                ? (room ? d->text : "")
                                : inline_text,
                     NULL, NULL, room ? "stop" : "length");
    msg = json_object_get(json_array_get(json_object_get(j, "choices"), 0), "message");
    if (cfg->kind == KIND_VLLM) {
        if (!room)
            json_object_set_new(msg, "content", json_null());
        json_object_set_new(msg, "reasoning_content", json_string(THINKING));
    } else if (cfg->kind == KIND_OLLAMA) {
        json_object_set_new(msg, "reasoning", json_string(THINKING));
    }
    return j;
}

/*
 * The JSON-schema answer as `tokens` tokens: "{", whitespace (one token
 * each, as a real llama-server spreads it), "\"answer\"", ": ",
 * "\"MOVE\"", "}"; cut after `cap` tokens (cap < 0: no cap).  Returns 1
 * when it was cut.
 */
static int json_answer(int move, long tokens, long cap, char *out, size_t len)
{
    const char *tail[4] = {"\"answer\"", ": ", move ? "\"MOVE\"" : "\"STAY\"", "}"};
    long ws = tokens > 5 ? tokens - 5 : 0, total = 5 + ws, used = 0;
    if (tokens <= 1) { /* the legacy one-token form, never cut */
        snprintf(out, len, "{\"answer\": \"%s\"}", move ? "MOVE" : "STAY");
        return 0;
    }
    size_t at = 0;
    out[0] = '\0';
    for (long t = 0; t < total && (cap < 0 || t < cap) && at + 16 < len; t++, used++) {
        const char *piece = t == 0 ? "{" : t <= ws ? "\n" : tail[t - ws - 1];
        at += (size_t)snprintf(out + at, len - at, "%s", piece);
    }
    return used < total;
}

/* Tokens the answer text takes (JSON under --json-tokens, else 1). */
static long answer_tokens(const struct config *cfg, int json)
{
    if (!json || cfg->json_tokens <= 1)
        return 1; /* the legacy count: every reply one token */
    return cfg->json_tokens > 5 ? cfg->json_tokens : 5;
}

/*
 * A hosted reasoning model's reply (OpenAI reasoning families, Gemini
 * thinking models, Claude through its OpenAI layer): reasoning is hidden
 * and counts against the cap; when the cap leaves no room for the answer
 * the reply is empty ("" for OpenAI, null for Gemini) with finish_reason
 * "length" and usage saying the tokens went to reasoning.
 */
static json_t *hidden_reasoning_reply(const struct config *cfg, const struct chat *ch,
                                      uint64_t n, const struct decision *d, const char *text,
                                      long answer)
{
    struct usage u = {ch->think_tokens + answer, ch->think_tokens};
    if (ch->has_max_tokens && ch->max_tokens < u.completion) {
        u.completion = ch->max_tokens;
        u.reasoning = ch->think_tokens < ch->max_tokens ? ch->think_tokens : ch->max_tokens;
        return openai_reply(ch, n, cfg->kind == KIND_GEMINI ? NULL : "", NULL, &u, "length");
    }
    return openai_reply(ch, n, text, d, &u, "stop");
}

/* Anthropic's Messages API reply: content blocks, stop_reason, usage. */
static json_t *anthropic_reply(const struct chat *ch, uint64_t n, const char *text)
{
    char id[40];
    long cap = ch->has_max_tokens ? ch->max_tokens : 1 << 30;
    long think = ch->think_tokens, out = think + 1;
    int cut = cap < out;
    json_t *content = json_array();
    snprintf(id, sizeof id, "msg_fake%llu", (unsigned long long)n);
    if (!content)
        return NULL;
    if (think > 0)
        json_array_append_new(content, json_pack("{s:s, s:s, s:s}", "type", "thinking",
                                                 "thinking", THINKING, "signature", "fakesig"));
    if (!cut)
        json_array_append_new(content, json_pack("{s:s, s:s}", "type", "text", "text", text));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:n, s:{s:I, s:I}}", "id", id, "type",
                     "message", "role", "assistant", "model", served(ch), "content", content,
                     "stop_reason", cut ? "max_tokens" : "end_turn", "stop_sequence", "usage",
                     "input_tokens", (json_int_t)ch->prompt_tokens, "output_tokens",
                     (json_int_t)(cut ? cap : out));
}

/* LM Studio with a thinking model and a JSON schema (lmstudio-bug-tracker
 * #1698, #1773): the constrained JSON lands in reasoning_content and
 * content is "", finish_reason "stop". */
static json_t *lmstudio_schema_bug(const struct chat *ch, uint64_t n, const char *json)
{
    json_t *j = openai_reply(ch, n, "", NULL, NULL, "stop");
    json_t *msg = json_object_get(json_array_get(json_object_get(j, "choices"), 0), "message");
    json_object_set_new(msg, "reasoning_content", json_string(json));
    return j;
}

static void answer(const struct config *cfg, enum api api, const struct chat *ch, uint64_t n,
                   struct response *rs)
{
    struct decision d = decide(cfg, ch);
    char wrapped[256];
    json_t *fmt = json_object_get(ch->root, api == API_OLLAMA ? "format" : "response_format");
    /* Claude's OpenAI layer ignores response_format (platform.claude.com/docs/en/api/openai-sdk) */
    int json = d.parseable && !d.choice && json_is_object(fmt) && cfg->kind != KIND_ANTHROPIC;
    int hosted = cfg->kind == KIND_OPENAI || cfg->kind == KIND_GEMINI ||
                 cfg->kind == KIND_ANTHROPIC; /* the cap is applied with the reasoning */
    int cut = 0;
    if (json) { /* a JSON schema: the answer as an object */
        cut = json_answer(d.move, cfg->json_tokens,
                          ch->has_max_tokens && !ch->thinks && !hosted ? (long)ch->max_tokens : -1,
                          wrapped, sizeof wrapped);
        d.text = wrapped;
    }
    json_t *j;
    if (ch->thinks && cfg->kind == KIND_LMSTUDIO && json)
        j = lmstudio_schema_bug(ch, n, wrapped);
    else if (ch->thinks) {
        set_json(rs, 200, thinking_reply(cfg, api, ch, n, &d));
        return;
    } else if (api == API_ANTHROPIC)
        j = anthropic_reply(ch, n, d.text);
    else if (api == API_OLLAMA)
        j = ollama_reply(ch, d.text);
    else if (hosted)
        j = hidden_reasoning_reply(cfg, ch, n, &d, d.text, json ? answer_tokens(cfg, 1) : 1);
    else {
        struct usage u = {cut ? (long)ch->max_tokens : answer_tokens(cfg, json), 0};
        j = openai_reply(ch, n, d.text, &d, json && cfg->json_tokens > 1 ? &u : NULL,
                         cut ? "length" : "stop");
    }
    if (j && api == API_OLLAMA && ch->logprobs)
        json_object_set_new(j, "logprobs", ollama_logprobs(&d, ch->top_logprobs));
    set_json(rs, 200, j);
    if (rs->status == 200)
        rs->reply = d.text;
}

static enum fault pick_fault(const struct config *cfg, uint64_t n)
{
    if (cfg->fault_always != FAULT_NONE)
        return cfg->fault_always;
    if (n <= (uint64_t)cfg->fault_first)
        return cfg->faults[(n - 1) % (uint64_t)cfg->nfaults];
    if (cfg->fault_rate <= 0.0)
        return FAULT_NONE;
    uint64_t h = mix64(cfg->fault_seed ^ mix64(n));
    if (!(unit_interval(h) < cfg->fault_rate))
        return FAULT_NONE;
    return cfg->faults[mix64(h) % (uint64_t)cfg->nfaults];
}

/* The Retry-After of a 429, 503 or 529 as configured. */
static void set_retry(const struct config *cfg, struct response *rs)
{
    rs->retry_after = cfg->retry_after;
    rs->retry_after_ms = cfg->retry_after_ms;
    rs->retry_after_date = cfg->retry_after_date;
    rs->retry_after_raw = cfg->retry_after_raw;
}

/* A 200 that is not the answer: malformed, without a message, or chatty. */
static void bad_200(const struct config *cfg, enum api api, const struct chat *ch, uint64_t n,
                    enum fault f, struct response *rs)
{
    const char *model = ch->model ? ch->model : cfg->model;
    struct chat c = *ch;
    c.model = model;
    if (f == FAULT_MALFORMED)
        set_static(rs, 200, api == API_OLLAMA ? "{\"message\": {" : "{\"choices\": [");
    else if (f == FAULT_EMPTY && api == API_OLLAMA)
        set_json(rs, 200,
                 json_pack("{s:s, s:s, s:b}", "model", model, "created_at", CREATED_AT, "done", 1));
    else if (f == FAULT_EMPTY)
        set_static(rs, 200, api == API_ANTHROPIC ? "{\"type\":\"message\",\"content\":[]}"
                                                 : "{\"choices\":[]}");
    else {
        set_json(rs, 200,
                 api == API_OLLAMA      ? ollama_reply(&c, CHATTY_REPLY)
                 : api == API_ANTHROPIC ? anthropic_reply(&c, n, CHATTY_REPLY)
                                        : openai_reply(&c, n, CHATTY_REPLY, NULL, NULL, "stop"));
        if (rs->status == 200)
            rs->reply = CHATTY_REPLY;
    }
}

static void fault_response(const struct config *cfg, enum api api, const struct chat *ch,
                           uint64_t n, enum fault f, struct response *rs)
{
    const char *model = ch->model ? ch->model : cfg->model;
    char msg[320];
    switch (f) {
    case FAULT_500:
        set_error(rs, api, 500, error_type(500), NULL, "fakellm: injected fault 500");
        break;
    case FAULT_503:
        set_error(rs, api, 503, error_type(503), NULL, "fakellm: injected fault 503");
        set_retry(cfg, rs);
        break;
    case FAULT_429:
        set_error(rs, api, 429, error_type(429), "rate_limit_exceeded",
                  "fakellm: injected fault 429");
        set_retry(cfg, rs);
        break;
    case FAULT_529: /* Anthropic's overloaded_error: "The API is temporarily overloaded" */
        set_error(rs, api, 529, "overloaded_error", NULL, "Overloaded");
        set_retry(cfg, rs);
        break;
    case FAULT_QUOTA: /* OpenAI's billing 429: not a rate limit */
        set_error(rs, api, 429, "insufficient_quota", "insufficient_quota",
                  "You exceeded your current quota, please check your plan and billing details.");
        break;
    case FAULT_400:
        set_error(rs, api, 400, error_type(400), NULL, "fakellm: injected bad request");
        break;
    case FAULT_THINKQUOTE: /* llama.cpp's grammar parser quoting the rest of the grammar */
        set_error(rs, api, 400, error_type(400), NULL,
                  "Failed to initialize samplers: expecting '>' at <think>\n\"MOVE\" | \"STAY\"");
        break;
    case FAULT_401:
        set_error(rs, api, 401, error_type(401), "invalid_api_key", "invalid api key");
        break;
    case FAULT_404:
        snprintf(msg, sizeof msg, "model '%.200s' not found", model);
        set_error(rs, api, 404, error_type(404), "model_not_found", msg);
        break;
    case FAULT_HANG: rs->action = ACT_HANG; break;
    case FAULT_DROP: rs->action = ACT_DROP; break;
    case FAULT_MALFORMED:
    case FAULT_EMPTY:
    case FAULT_CHATTY: bad_200(cfg, api, ch, n, f, rs); break;
    default: break;
    }
}

/* ------------------------------------------------------------- handlers */

/* Whether value[0..len) is the key (a constant-time comparison). */
static int key_matches(const char *key, const char *value, size_t len)
{
    size_t klen = strlen(key);
    unsigned char diff = 0;
    if (len != klen)
        return 0;
    for (size_t i = 0; i < klen; i++)
        diff |= (unsigned char)(value[i] ^ key[i]);
    return diff == 0;
}

/* Authorization: Bearer <key> (OpenAI, Ollama, Gemini's and Claude's OpenAI
 * layers); with no key set, whether any Authorization was sent. */
static int auth_ok(const struct config *cfg, const struct http_req *r)
{
    if (!cfg->api_key)
        return r->auth != NULL;
    return r->auth_len > 7 && strncasecmp(r->auth, "Bearer ", 7) == 0 &&
           key_matches(cfg->api_key, r->auth + 7, r->auth_len - 7);
}

/* Anthropic's Messages API authenticates with x-api-key. */
static int anthropic_key_ok(const struct config *cfg, const struct http_req *r)
{
    if (!cfg->api_key)
        return r->api_key_hdr != NULL;
    return r->api_key_hdr && key_matches(cfg->api_key, r->api_key_hdr, r->api_key_hdr_len);
}

static json_t *opt_int(int has, json_int_t v)
{
    return has ? json_integer(v) : json_null();
}
static json_t *opt_real(int has, double v)
{
    return has ? json_real(v) : json_null();
}

static void log_chat(struct server *s, const struct conn *c, const struct http_req *hr, uint64_t n,
                     const struct chat *ch, int auth, enum fault f, const struct response *rs)
{
    if (!s->st.log)
        return;
    json_t *j = json_pack("{s:I, s:I, s:s, s:s?, s:o, s:o, s:o, s:b, s:o, s:s?, s:s?, s:s?}", "n",
                          (json_int_t)n, "conn", (json_int_t)c->no, "path", hr->path, "model",
                          ch->model, "seed", opt_int(ch->has_seed, ch->seed), "temperature",
                          opt_real(ch->has_temp, ch->temp), "max_tokens",
                          opt_int(ch->has_max_tokens, ch->max_tokens), "auth", auth, "status",
                          rs->action == ACT_SEND ? json_integer(rs->status) : json_null(), "fault",
                          f == FAULT_NONE ? NULL : fault_names[f], "reply", rs->reply, "grid",
                          ch->grid.found ? ch->grid.text : NULL);
    if (j) {
        json_t *fields = json_array();
        const char *key;
        json_t *v;
        json_object_foreach(ch->root, key, v) json_array_append_new(fields, json_string(key));
        json_object_set_new(j, "fields", fields);
        json_object_set_new(j, "t_ms", json_integer((json_int_t)((now_ns() - s->cfg.start_ns) /
                                                                 1000000u)));
        if (ch->thinks)
            json_object_set_new(j, "thinks", json_true());
        if (ch->think_tokens > 0)
            json_object_set_new(j, "reasoning_tokens", json_integer(ch->think_tokens));
        if (hr->host[0])
            json_object_set_new(j, "host", json_string(hr->host));
        if (s->cfg.log_prompts && ch->prompt)
            json_object_set_new(j, "prompt", json_string(ch->prompt));
    }
    char *line = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(j);
    if (!line) {
        fprintf(stderr, "fakellm: cannot format log line\n");
        return;
    }
    log_line(&s->st, line);
    free(line);
}

/* --------------------------------------------------------- server rules */

/* OpenAI's chat-completions request fields; it refuses any other (400). */
static const char *const openai_fields[] = {
    "model", "messages", "stream", "temperature", "top_p", "max_tokens", "max_completion_tokens",
    "seed", "logprobs", "top_logprobs", "response_format", "reasoning_effort", "n", "stop",
    "user", "frequency_penalty", "presence_penalty", "tools", "tool_choice", NULL};

/* Reasoning efforts, least to most (OpenAI's ReasoningEffort enum), and
 * the hidden reasoning tokens fakellm's reasoning models spend at each. */
enum effort { EFF_NONE, EFF_MINIMAL, EFF_LOW, EFF_MEDIUM, EFF_HIGH, EFF_XHIGH, EFF_COUNT };
static const char *const effort_names[EFF_COUNT] = {"none", "minimal", "low",
                                                    "medium", "high", "xhigh"};
static const long effort_tokens[EFF_COUNT] = {0, 16, 64, 256, 1024, 2048};
#define EFF(e) (1u << (e))

/* What an OpenAI model family accepts (see providers notes §1.1). */
struct family {
    unsigned efforts; /* accepted reasoning_effort values; 0: the field is refused */
    enum effort deflt;
    int sampling;     /* temperature/top_p/logprobs: 0 refused, 1 accepted, 2 only at none */
};

/*
 * OpenAI's families by model name: ReasoningEffort in the API reference
 * ("gpt-5.1 defaults to none", "All models before gpt-5.1 default to
 * medium reasoning effort, and do not support none", "The gpt-5-pro model
 * defaults to (and only supports) high"), the latest-model guide (temperature,
 * top_p, logprobs "only supported when using GPT-5.2 with reasoning effort set
 * to none"; older GPT-5 models refuse them), chat-latest and codex variants.
 */
static struct family openai_family(const char *model)
{
    const char *m = strrchr(model, '/') ? strrchr(model, '/') + 1 : model;
    struct family f = {0, EFF_MEDIUM, 1};
    unsigned lmh = EFF(EFF_LOW) | EFF(EFF_MEDIUM) | EFF(EFF_HIGH);
    if (m[0] == 'o' && m[1] >= '0' && m[1] <= '9')
        return (struct family){lmh, EFF_MEDIUM, 0};
    if (strncmp(m, "gpt-5", 5) != 0)
        return f;
    long minor = m[5] == '.' ? strtol(m + 6, NULL, 10) : 0;
    if (strstr(m, "-chat"))
        return minor == 0 ? f : (struct family){EFF(EFF_MEDIUM), EFF_MEDIUM, 0};
    if (strstr(m, "-pro"))
        return minor == 0 ? (struct family){EFF(EFF_HIGH), EFF_HIGH, 0}
                          : (struct family){EFF(EFF_MEDIUM) | EFF(EFF_HIGH) | EFF(EFF_XHIGH),
                                            EFF_HIGH, 0};
    if (strstr(m, "-codex"))
        return (struct family){lmh | (strstr(m, "-max") || minor >= 2 ? EFF(EFF_XHIGH) : 0u),
                               EFF_MEDIUM, 0};
    if (minor == 0)
        return (struct family){lmh | EFF(EFF_MINIMAL), EFF_MEDIUM, 0};
    return (struct family){lmh | EFF(EFF_NONE) | (minor >= 2 ? EFF(EFF_XHIGH) : 0u), EFF_NONE, 2};
}

/* "'none', 'low', 'medium', and 'high'" as OpenAI lists supported values. */
static void effort_list(unsigned efforts, char *out, size_t len)
{
    int n = 0, total = 0, at = 0;
    for (int e = 0; e < EFF_COUNT; e++)
        total += (efforts & EFF(e)) != 0;
    out[0] = '\0';
    for (int e = 0; e < EFF_COUNT; e++) {
        if (!(efforts & EFF(e)))
            continue;
        n++;
        at += snprintf(out + at, len - (size_t)at, "%s'%s'",
                       n == 1 ? "" : n == total ? (total > 2 ? ", and " : " and ") : ", ",
                       effort_names[e]);
        if (at >= (int)len)
            return;
    }
}

static void openai_unknown_fields(struct chat *ch)
{
    const char *key;
    json_t *v;
    json_object_foreach(ch->root, key, v)
    {
        int known = 0;
        for (int i = 0; openai_fields[i]; i++)
            known |= strcmp(openai_fields[i], key) == 0;
        if (!known)
            chat_error(ch, 400, "unknown_parameter", "Unrecognized request argument supplied: %s",
                       key);
    }
}

/* OpenAI's refusals for a family's sampling fields and token cap. */
static void openai_sampling(struct chat *ch, const struct family *f, enum effort eff)
{
    json_t *root = ch->root, *v;
    if (f->sampling == 2 && eff != EFF_NONE) {
        static const char *const fields[] = {"temperature", "top_p", "logprobs"};
        for (int i = 0; i < 3; i++)
            if (json_object_get(root, fields[i]) &&
                (i < 2 || json_is_true(json_object_get(root, fields[i]))))
                chat_error(ch, 400, "unsupported_parameter",
                           "Unsupported parameter: '%s' is not supported with this model.",
                           fields[i]);
    } else if (f->sampling == 0) {
        if (ch->has_temp && ch->temp != 1.0)
            chat_error(ch, 400, "unsupported_value",
                       "Unsupported value: 'temperature' does not support %g with this model. "
                       "Only the default (1) value is supported.",
                       ch->temp);
        if (json_is_number(v = json_object_get(root, "top_p")) && json_number_value(v) != 1.0)
            chat_error(ch, 400, "unsupported_value",
                       "Unsupported value: 'top_p' does not support %g with this model.",
                       json_number_value(v));
        if (ch->logprobs)
            chat_error(ch, 400, "unsupported_parameter",
                       "Unsupported parameter: 'logprobs' is not supported with this model.");
    }
    if (f->efforts && json_object_get(root, "max_tokens"))
        chat_error(ch, 400, "unsupported_parameter",
                   "Unsupported parameter: 'max_tokens' is not supported with this model. "
                   "Use 'max_completion_tokens' instead.");
}

/* OpenAI: unknown fields, reasoning_effort per family, sampling, thinking. */
static void rules_openai(const struct config *cfg, struct chat *ch)
{
    struct family f = openai_family(ch->model ? ch->model : "");
    json_t *re = json_object_get(ch->root, "reasoning_effort");
    const char *asked = json_string_value(re);
    enum effort eff = f.deflt;
    char list[96];
    openai_unknown_fields(ch);
    if (re && !f.efforts)
        chat_error(ch, 400, "unsupported_parameter",
                   "Unsupported parameter: 'reasoning_effort' is not supported with this model.");
    else if (re) {
        int i = asked ? lookup(effort_names, EFF_COUNT, asked) : -1;
        effort_list(f.efforts, list, sizeof list);
        if (i < 0 || !(f.efforts & EFF(i)))
            chat_error(ch, 400, "unsupported_value",
                       "Unsupported value: 'reasoning_effort' does not support '%s' with this "
                       "model. Supported values are: %s.",
                       asked ? asked : "null", list);
        else
            eff = (enum effort)i;
    }
    openai_sampling(ch, &f, eff);
    if (!cfg->think_model)
        return;
    if (f.efforts) /* a reasoning model: hidden reasoning unless effort none */
        ch->think_tokens = effort_tokens[eff];
    else
        ch->thinks = 1; /* an open model behind an OpenAI URL: <think> inline */
}

/* Claude's version from its ID: claude-sonnet-4-5[-date], claude-3-7-sonnet-… */
static void claude_version(const char *m, int *major, int *minor)
{
    const char *p = strncmp(m, "claude-", 7) == 0 ? m + 7 : m;
    *major = *minor = 0;
    if (!(*p >= '0' && *p <= '9'))
        p = strchr(p, '-') ? strchr(p, '-') + 1 : p + strlen(p);
    if (*p >= '0' && *p <= '9') {
        *major = *p - '0';
        if (p[1] == '-' && p[2] >= '0' && p[2] <= '9' && !(p[3] >= '0' && p[3] <= '9'))
            *minor = p[2] - '0';
    }
}

/*
 * Claude's sampling rules, on both APIs: Claude 4.5 and later refuse
 * temperature with top_p ("Use only temperature OR top_p, not both",
 * migrating-to-claude-4); Opus 4.7 and later refuse all three sampling
 * fields (migration guide, "Breaking changes").
 */
static void claude_sampling(struct chat *ch)
{
    const char *m = ch->model ? ch->model : "";
    int major, minor;
    json_t *root = ch->root;
    claude_version(m, &major, &minor);
    if (strstr(m, "opus") && (major > 4 || (major == 4 && minor >= 7))) {
        static const char *const fields[] = {"temperature", "top_p", "top_k"};
        for (int i = 0; i < 3; i++)
            if (json_object_get(root, fields[i]))
                chat_error(ch, 400, NULL, "`%s` is deprecated for this model.", fields[i]);
    }
    if ((major > 4 || (major == 4 && minor >= 5)) && json_object_get(root, "temperature") &&
        json_object_get(root, "top_p"))
        chat_error(ch, 400, NULL,
                   "`temperature` and `top_p` cannot both be specified for this model. Please "
                   "use only one.");
}

/* Claude's extended thinking: {"type":"enabled","budget_tokens":N} or adaptive. */
static void claude_thinking(struct chat *ch)
{
    json_t *t = json_object_get(ch->root, "thinking");
    const char *type = json_string_value(json_object_get(t, "type"));
    json_t *budget = json_object_get(t, "budget_tokens");
    if (!type || strcmp(type, "disabled") == 0)
        return;
    if (strcmp(type, "enabled") == 0) {
        json_int_t b = json_integer_value(budget);
        if (!json_is_integer(budget) || b < 1024)
            chat_error(ch, 400, NULL,
                       "thinking.enabled.budget_tokens: Input should be greater than or equal "
                       "to 1024");
        else if (ch->has_max_tokens && ch->max_tokens <= b)
            chat_error(ch, 400, NULL,
                       "`max_tokens` must be greater than `thinking.budget_tokens`. Please "
                       "consult our documentation at https://docs.claude.com/en/docs/"
                       "build-with-claude/extended-thinking#max-tokens-and-context-window-size");
        ch->think_tokens = b < 200 ? b : 200;
    } else {
        ch->think_tokens = 200; /* adaptive */
    }
    if (ch->has_temp && ch->temp != 1.0)
        chat_error(ch, 400, NULL,
                   "`temperature` may only be set to 1 when thinking is enabled. Please consult "
                   "our documentation at https://docs.claude.com/en/docs/build-with-claude/"
                   "extended-thinking#important-considerations-when-using-extended-thinking");
}

/* The Messages API's body fields (platform.claude.com/docs/en/api/messages). */
static const char *const anthropic_fields[] = {
    "model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k",
    "stop_sequences", "stream", "thinking", "metadata", "tools", "tool_choice", "service_tier",
    NULL};

/* Anthropic's Messages API: strict body, max_tokens required, no system role. */
static void rules_anthropic(struct chat *ch)
{
    const char *key;
    json_t *v, *m;
    size_t i;
    json_object_foreach(ch->root, key, v)
    {
        int known = 0;
        for (int k = 0; anthropic_fields[k]; k++)
            known |= strcmp(anthropic_fields[k], key) == 0;
        if (!known)
            chat_error(ch, 400, NULL, "%s: Extra inputs are not permitted", key);
    }
    if (!json_object_get(ch->root, "max_tokens"))
        chat_error(ch, 400, NULL, "max_tokens: Field required");
    if (ch->has_temp && ch->temp > 1.0)
        chat_error(ch, 400, NULL, "temperature: Input should be less than or equal to 1");
    json_array_foreach(json_object_get(ch->root, "messages"), i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        if (role && strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0)
            chat_error(ch, 400, NULL,
                       "messages: Unexpected role \"%s\". The Messages API accepts a top-level "
                       "`system` parameter, not \"%s\" as an input message role.",
                       role, role);
    }
    claude_sampling(ch);
    claude_thinking(ch);
}

/* Fields Gemini's OpenAI layer maps (ai.google.dev/gemini-api/docs/openai);
 * any other is "Unknown name" (seen for seed and frequency_penalty). */
static const char *const gemini_fields[] = {
    "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "n",
    "stop", "stream", "stream_options", "response_format", "reasoning_effort", "tools",
    "tool_choice", "extra_body", NULL};

/*
 * Gemini through its OpenAI layer: "If you want to disable thinking, you
 * can set reasoning_effort to "none" for 2.5 models. Reasoning cannot be
 * turned off for Gemini 2.5 Pro or 3 models."; efforts map to budgets
 * minimal/low 1,024, medium 8,192, high 24,576; thinking counts against
 * max_tokens.  2.5 Flash thinks by default, Flash-Lite does not.
 */
static void rules_gemini(struct chat *ch)
{
    const char *m = ch->model ? ch->model : "", *key;
    const char *base = strncmp(m, "models/", 7) == 0 ? m + 7 : m;
    int mandatory = strncmp(base, "gemini-2.5-pro", 14) == 0 || strncmp(base, "gemini-3", 8) == 0;
    int thinker = mandatory || strncmp(base, "gemini-2.5-flash", 16) == 0;
    int thinks = mandatory || (thinker && !strstr(base, "-lite"));
    long budget = 1L << 30;
    json_t *v, *tc = json_object_get(json_object_get(json_object_get(ch->root, "extra_body"),
                                                     "google"), "thinking_config");
    const char *effort = json_string_value(json_object_get(ch->root, "reasoning_effort"));
    if (ch->logprobs)
        chat_error(ch, 400, NULL, "Logprobs is not enabled for models/%.100s", base);
    json_object_foreach(ch->root, key, v)
    {
        int known = 0;
        for (int k = 0; gemini_fields[k]; k++)
            known |= strcmp(gemini_fields[k], key) == 0;
        if (!known)
            chat_error(ch, 400, NULL,
                       "Invalid JSON payload received. Unknown name \"%s\": Cannot find field.",
                       key);
    }
    if (effort && tc)
        chat_error(ch, 400, NULL,
                   "reasoning_effort and thinking_config overlap functionality, so they can't "
                   "be used at the same time");
    if (effort) {
        int e = lookup(effort_names, EFF_XHIGH, effort);
        if (e < 0)
            chat_error(ch, 400, NULL, "Invalid value at 'reasoning_effort' (%s)", effort);
        else if (e == EFF_NONE && mandatory)
            chat_error(ch, 400, NULL, "Budget 0 is invalid. This model only works in thinking mode.");
        else if (thinker) {
            thinks = e != EFF_NONE;
            budget = e <= EFF_LOW ? 1024 : e == EFF_MEDIUM ? 8192 : 24576;
        }
    }
    if (json_is_integer(v = json_object_get(tc, "thinking_budget")) && thinker) {
        budget = (long)json_integer_value(v);
        if (budget == 0 && mandatory)
            chat_error(ch, 400, NULL, "Budget 0 is invalid. This model only works in thinking mode.");
        thinks = budget != 0;
    }
    ch->think_tokens = thinks ? (budget < 300 ? budget : 300) : 0;
}

/* vLLM: reasoning_effort is a Literal (none..max since 0.11; low|medium|high
 * before, where "none" fails validation); Qwen3 thinks unless
 * chat_template_kwargs.enable_thinking is false (reasoning_outputs docs). */
static int rules_vllm(const struct config *cfg, struct chat *ch)
{
    const char *effort = json_string_value(json_object_get(ch->root, "reasoning_effort"));
    static const char *const current[] = {"none", "minimal", "low", "medium",
                                          "high", "xhigh", "max"};
    if (effort && cfg->vllm_old && lookup(effort_names + EFF_LOW, 3, effort) < 0)
        chat_error(ch, 400, NULL,
                   "[{'type': 'literal_error', 'loc': ('body', 'reasoning_effort'), 'msg': "
                   "\"Input should be 'low', 'medium' or 'high'\", 'input': '%.40s'}]",
                   effort);
    else if (effort && lookup(current, 7, effort) < 0)
        chat_error(ch, 400, NULL,
                   "[{'type': 'literal_error', 'loc': ('body', 'reasoning_effort'), 'msg': "
                   "\"Input should be 'none', 'minimal', 'low', 'medium', 'high', 'xhigh' or "
                   "'max'\", 'input': '%.40s'}]",
                   effort);
    return json_is_false(
        json_object_get(json_object_get(ch->root, "chat_template_kwargs"), "enable_thinking"));
}

/* llama-server: enable_thinking must be a boolean; reasoning_effort "none"
 * also turns thinking off (tools/server/server-common.cpp). */
static int rules_llama(struct chat *ch)
{
    json_t *et = json_object_get(json_object_get(ch->root, "chat_template_kwargs"),
                                 "enable_thinking");
    const char *effort = json_string_value(json_object_get(ch->root, "reasoning_effort"));
    if (json_is_string(et))
        chat_error(ch, 400, NULL,
                   "invalid type for \"enable_thinking\" (expected boolean, got string)");
    return json_is_false(et) || (effort && strcmp(effort, "none") == 0);
}

/* Ollama: think (native) or reasoning_effort (/v1); a model that cannot
 * think refuses thinking asked on. */
static int rules_ollama(const struct config *cfg, enum api api, struct chat *ch)
{
    json_t *think = json_object_get(ch->root, api == API_OLLAMA ? "think" : "reasoning_effort");
    const char *effort = json_string_value(think);
    int asked_on = api == API_OLLAMA ? (think && !json_is_false(think))
                                     : (effort && strcmp(effort, "none") != 0);
    if (asked_on && !cfg->think_model)
        chat_error(ch, 400, NULL, "\"%s\" does not support thinking", ch->model ? ch->model : "");
    return api == API_OLLAMA ? json_is_false(think) : (effort && strcmp(effort, "none") == 0);
}

/* What the server played refuses, and whether the model thinks here. */
static void server_rules(const struct config *cfg, enum api api, struct chat *ch)
{
    int off = 0;
    if (!json_is_object(ch->root))
        return;
    switch (cfg->kind) {
    case KIND_OPENAI: rules_openai(cfg, ch); return;
    case KIND_GEMINI: rules_gemini(ch); return;
    case KIND_ANTHROPIC:
        if (api == API_ANTHROPIC)
            rules_anthropic(ch);
        else { /* the OpenAI layer: sampling rules hold; logprobs, seed,
                  response_format are "Ignored" (platform.claude.com/docs/en/api/openai-sdk) */
            ch->logprobs = ch->top_logprobs = 0;
            claude_sampling(ch);
            claude_thinking(ch);
        }
        return;
    case KIND_OLLAMA: off = rules_ollama(cfg, api, ch); break;
    case KIND_VLLM: off = rules_vllm(cfg, ch); break;
    case KIND_LLAMA: off = rules_llama(ch); break;
    default: break;
    }
    ch->thinks = cfg->think_model && !off;
}

static int loading(const struct config *cfg)
{
    return cfg->loading_ms > 0 &&
           now_ns() - cfg->start_ns < (uint64_t)cfg->loading_ms * 1000000u;
}

static void handle_chat(struct conn *c, const struct http_req *hr, enum api api,
                        struct response *rs)
{
    struct server *s = c->srv;
    const struct config *cfg = &s->cfg;
    uint64_t n = count_chat(&s->st);
    int auth = api == API_ANTHROPIC ? anthropic_key_ok(cfg, hr) : auth_ok(cfg, hr);
    enum fault f = FAULT_NONE;
    struct chat ch;
    chat_parse(cfg, api, hr, &ch);
    server_rules(cfg, api, &ch);
    if (loading(cfg)) {
        set_error(rs, api, 503, "unavailable_error", NULL, "Loading model");
    } else if (cfg->api_key && !auth) {
        set_error(rs, api, 401, error_type(401), "invalid_api_key",
                  api != API_ANTHROPIC ? "invalid api key"
                  : hr->api_key_hdr    ? "invalid x-api-key"
                                       : "x-api-key header is required");
    } else if (api == API_ANTHROPIC && !hr->has_version) {
        set_error(rs, api, 400, error_type(400), NULL, "anthropic-version: header is required");
    } else {
        slot_acquire(&s->st, cfg->slots);
        sleep_ms(cfg->latency_ms);
        f = pick_fault(cfg, n);
        if (f != FAULT_NONE) {
            count_fault(&s->st);
            fault_response(cfg, api, &ch, n, f, rs);
        } else if (ch.err_status) {
            set_error(rs, api, ch.err_status, ch.err_type, ch.err_code, ch.err_msg);
        } else {
            answer(cfg, api, &ch, n, rs);
        }
        slot_release(&s->st);
    }
    log_chat(s, c, hr, n, &ch, auth, f, rs);
    json_decref(ch.root);
}

static void handle_openai(struct conn *c, const struct http_req *r, struct response *rs)
{
    handle_chat(c, r, API_OPENAI, rs);
}

static void handle_ollama(struct conn *c, const struct http_req *r, struct response *rs)
{
    handle_chat(c, r, API_OLLAMA, rs);
}

/* A route only some servers have: 404 as an unknown path elsewhere. */
static void no_route(const struct http_req *r, struct response *rs)
{
    char msg[MAX_PATH + 16];
    snprintf(msg, sizeof msg, "no route for %s", r->path);
    set_error(rs, API_OPENAI, 404, error_type(404), NULL, msg);
}

/* POST /v1/messages: Anthropic's Messages API (--server anthropic). */
static void handle_anthropic(struct conn *c, const struct http_req *r, struct response *rs)
{
    if (c->srv->cfg.kind != KIND_ANTHROPIC)
        no_route(r, rs);
    else
        handle_chat(c, r, API_ANTHROPIC, rs);
}

/* GET /api/version: Ollama's version (docs/api.md "Version"). */
static void handle_ollama_version(struct conn *c, const struct http_req *r, struct response *rs)
{
    if (c->srv->cfg.kind != KIND_OLLAMA)
        no_route(r, rs);
    else
        set_static(rs, 200, "{\"version\":\"0.12.11\"}");
}

/* GET /version: vLLM's api_server version. */
static void handle_vllm_version(struct conn *c, const struct http_req *r, struct response *rs)
{
    if (c->srv->cfg.kind != KIND_VLLM)
        no_route(r, rs);
    else
        set_static(rs, 200, c->srv->cfg.vllm_old ? "{\"version\":\"0.10.1\"}"
                                                 : "{\"version\":\"0.11.2\"}");
}

static void handle_health(struct conn *c, const struct http_req *r, struct response *rs)
{
    (void)c, (void)r;
    set_static(rs, 200, "{\"status\":\"ok\"}");
}

static void handle_props(struct conn *c, const struct http_req *r, struct response *rs)
{
    const struct config *cfg = &c->srv->cfg;
    if (loading(cfg))
        set_error(rs, API_OPENAI, 503, "unavailable_error", NULL, "Loading model");
    else if (cfg->router && strncmp(r->query, "model=", 6) != 0)
        set_error(rs, API_OPENAI, 400, "invalid_request_error", NULL,
                  "router mode: the model name is missing from the request (?model=)");
    else if (cfg->kind == KIND_LLAMA) /* tools/server/server-context.cpp get_res_props */
        set_json(rs, 200,
                 json_pack("{s:i, s:s, s:s, s:s, s:b}", "total_slots", cfg->slots, "model_alias",
                           cfg->served_model ? cfg->served_model : cfg->model, "model_path",
                           cfg->served_model ? cfg->served_model : cfg->model, "build_info",
                           "b6000-fakellm", "is_sleeping", 0));
    else if (cfg->kind == KIND_GENERIC)
        set_json(rs, 200, json_pack("{s:i}", "total_slots", cfg->slots));
    else
        no_route(r, rs);
}

/*
 * GET /v1/models as each server lists: Anthropic {"data":[{"type":"model",
 * "id",…}],"has_more"}; Gemini ids "models/<name>"; llama-server the name it
 * answers with (alias or -m path) and its aliases; others the --model.
 */
static void handle_models(struct conn *c, const struct http_req *r, struct response *rs)
{
    const struct config *cfg = &c->srv->cfg;
    const char *m = cfg->model;
    char id[320];
    (void)r;
    if (cfg->kind == KIND_ANTHROPIC) {
        set_json(rs, 200,
                 json_pack("{s:[{s:s, s:s, s:s, s:s}], s:b, s:s, s:s}", "data", "type", "model",
                           "id", m, "display_name", m, "created_at", CREATED_AT, "has_more", 0,
                           "first_id", m, "last_id", m));
        return;
    }
    if (cfg->kind == KIND_LLAMA && cfg->served_model)
        m = cfg->served_model;
    snprintf(id, sizeof id, "%s%.300s", cfg->kind == KIND_GEMINI ? "models/" : "", m);
    json_t *j = json_pack("{s:s, s:[{s:s, s:s, s:I, s:s}]}", "object", "list", "data", "id", id,
                          "object", "model", "created", (json_int_t)CREATED_EPOCH, "owned_by",
                          cfg->kind == KIND_GEMINI ? "google"
                          : cfg->kind == KIND_LLAMA ? "llamacpp"
                                                    : "fakellm");
    if (j && cfg->kind == KIND_LLAMA)
        json_object_set_new(json_array_get(json_object_get(j, "data"), 0), "aliases",
                            json_pack("[s]", m));
    set_json(rs, 200, j);
}

static void handle_tags(struct conn *c, const struct http_req *r, struct response *rs)
{
    (void)r;
    const char *m = c->srv->cfg.model;
    set_json(rs, 200, json_pack("{s:[{s:s, s:s}]}", "models", "name", m, "model", m));
}

static void handle_stats(struct conn *c, const struct http_req *r, struct response *rs)
{
    (void)r;
    struct shared *st = &c->srv->st;
    pthread_mutex_lock(&st->lock);
    json_t *j = json_pack("{s:I, s:I, s:I, s:i, s:I, s:i, s:i}", "requests",
                          (json_int_t)st->requests, "chat_requests", (json_int_t)st->chat_requests,
                          "connections", (json_int_t)st->connections, "max_in_flight",
                          st->max_in_flight, "faults", (json_int_t)st->faults, "in_flight",
                          st->in_flight, "active_connections", st->active_conns);
    pthread_mutex_unlock(&st->lock);
    set_json(rs, 200, j);
}

enum access { PUBLIC, PROTECTED, CHAT };

struct route {
    const char *method;
    const char *path;
    enum api api;
    enum access access;
    void (*fn)(struct conn *, const struct http_req *, struct response *);
};

static const struct route routes[] = {
    {"POST", "/v1/chat/completions", API_OPENAI, CHAT, handle_openai},
    {"POST", "/chat/completions", API_OPENAI, CHAT, handle_openai},
    {"POST", "/api/chat", API_OLLAMA, CHAT, handle_ollama},
    {"GET", "/health", API_OPENAI, PUBLIC, handle_health},
    {"GET", "/props", API_OPENAI, PROTECTED, handle_props},
    {"GET", "/stats", API_OPENAI, PUBLIC, handle_stats},
    {"GET", "/v1/models", API_OPENAI, PROTECTED, handle_models},
    {"GET", "/models", API_OPENAI, PROTECTED, handle_models},
    {"GET", "/api/tags", API_OLLAMA, PROTECTED, handle_tags},
    {"POST", "/v1/messages", API_ANTHROPIC, CHAT, handle_anthropic},
    {"GET", "/api/version", API_OLLAMA, PUBLIC, handle_ollama_version},
    {"GET", "/version", API_OPENAI, PUBLIC, handle_vllm_version},
};

static void dispatch(struct conn *c, const struct http_req *r, struct response *rs)
{
    const struct config *cfg = &c->srv->cfg;
    int path_known = 0;
    /* Gemini's OpenAI layer lives under .../v1beta/openai/ */
    const char *pre = cfg->path_prefix ? cfg->path_prefix
                      : cfg->kind == KIND_GEMINI ? "/v1beta/openai" : NULL;
    size_t plen = pre ? strlen(pre) : 0;
    struct http_req stripped;
    if (plen && strncmp(r->path, pre, plen) == 0 && r->path[plen] == '/') {
        stripped = *r;
        memmove(stripped.path, stripped.path + plen, strlen(stripped.path + plen) + 1);
        r = &stripped;
    }
    count_request(&c->srv->st);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct route *rt = &routes[i];
        if (strcmp(rt->path, r->path) != 0)
            continue;
        path_known = 1;
        if (strcmp(rt->method, r->method) != 0)
            continue;
        if (rt->access == PROTECTED && cfg->api_key && !auth_ok(cfg, r) &&
            !(cfg->kind == KIND_ANTHROPIC && anthropic_key_ok(cfg, r)))
            set_error(rs, rt->api, 401, error_type(401), "invalid_api_key", "invalid api key");
        else
            rt->fn(c, r, rs);
        return;
    }
    char msg[MAX_PATH + 64];
    snprintf(msg, sizeof msg, "%s %s", path_known ? "method not allowed for" : "no route for",
             r->path);
    int status = path_known ? 405 : 404;
    set_error(rs, strncmp(r->path, "/api/", 5) == 0 ? API_OLLAMA : API_OPENAI, status,
              error_type(status), NULL, msg);
}

/* ---------------------------------------------------------- connections */

/* Half-closes and drains briefly so the peer reads our last response. */
static void close_gracefully(int fd)
{
    char sink[4096];
    shutdown(fd, SHUT_WR);
    uint64_t until = now_ns() + 200u * 1000000u;
    while (now_ns() < until && recv(fd, sink, sizeof sink, 0) > 0)
        ;
    close(fd);
}

/* Serves one request; returns 1 to keep the connection open. */
static int serve_one(struct conn *c)
{
    struct http_req r;
    struct response rs;
    response_init(&rs);
    int got = read_request(c, &r);
    if (got == 0)
        return 0;
    if (got < 0) {
        count_request(&c->srv->st);
        set_error(&rs, API_OPENAI, r.error, error_type(r.error), NULL, r.error_msg);
        rs.close = 1;
    } else {
        dispatch(c, &r, &rs);
    }
    int keep = got > 0 && r.keep_alive && !rs.close && !stopping();
    if (rs.action == ACT_HANG)
        sleep_ms(c->srv->cfg.hang_ms);
    if (rs.action != ACT_SEND || send_response(c->fd, &rs, keep) != 0)
        keep = 0;
    response_free(&rs);
    if (keep)
        buf_consume(&c->in, r.total_len);
    return keep;
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    struct shared *st = &c->srv->st;
    while (serve_one(c))
        ;
    close_gracefully(c->fd);
    free(c->in.data);
    free(c);
    pthread_mutex_lock(&st->lock);
    st->active_conns--;
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

static void tune_socket(int fd)
{
    int one = 1;
    struct timeval rcv = {0, RECV_TIMEOUT_MS * 1000};
    struct timeval snd = {SEND_TIMEOUT_MS / 1000, 0};
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof rcv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof snd) != 0)
        fprintf(stderr, "fakellm: setsockopt: %s\n", strerror(errno));
}

/* Starts a thread for the connection with SIGTERM/SIGINT blocked, so that
 * only the main thread handles them. */
static int spawn(struct conn *c)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_attr_t attr;
    pthread_t tid;
    if (pthread_attr_init(&attr) != 0)
        return -1;
    int rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    if (rc == 0)
        rc = pthread_create(&tid, &attr, conn_main, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}

static void start_connection(struct server *s, int fd)
{
    struct shared *st = &s->st;
    struct conn *c = calloc(1, sizeof *c);
    pthread_mutex_lock(&st->lock);
    int full = st->active_conns >= MAX_CONNS;
    if (c && !full) {
        st->active_conns++;
        c->no = ++st->connections;
    }
    pthread_mutex_unlock(&st->lock);
    if (!c || full) {
        fprintf(stderr, "fakellm: refusing connection (%s)\n", c ? "too many" : "out of memory");
        free(c);
        close(fd);
        return;
    }
    c->srv = s;
    c->fd = fd;
    tune_socket(fd);
    if (spawn(c) != 0) {
        fprintf(stderr, "fakellm: cannot start connection thread\n");
        close(fd);
        free(c);
        pthread_mutex_lock(&st->lock);
        st->active_conns--;
        pthread_mutex_unlock(&st->lock);
    }
}

/* ------------------------------------------------------------ lifecycle */

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&g_stop, 1);
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

/* Binds 127.0.0.1:port.  Returns the socket and stores the actual port. */
static int open_listener(int port, int *actual)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 512) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    *actual = ntohs(addr.sin_port);
    return fd;
}

static int write_port_file(const char *path, int port)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp)
        return -1;
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (f) {
        int ok = fprintf(f, "%d\n", port) > 0;
        if (fclose(f) == 0 && ok && rename(tmp, path) == 0)
            rc = 0;
    }
    if (rc != 0)
        fprintf(stderr, "fakellm: cannot write port file '%s': %s\n", path, strerror(errno));
    free(tmp);
    return rc;
}

static void accept_loop(struct server *s)
{
    uint64_t deadline =
        s->cfg.max_lifetime > 0 ? now_ns() + (uint64_t)s->cfg.max_lifetime * 1000000000u : 0;
    while (!stopping()) {
        if (deadline && now_ns() >= deadline) {
            fprintf(stderr, "fakellm: max lifetime reached, exiting\n");
            atomic_store(&g_stop, 1);
            break;
        }
        struct pollfd p = {s->listen_fd, POLLIN, 0};
        if (poll(&p, 1, RECV_TIMEOUT_MS) <= 0)
            continue;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE)
                sleep_ms(10);
            continue;
        }
        start_connection(s, fd);
    }
}

/* Wakes waiting threads and waits for connection threads to finish.
 * Returns 0 when all are gone. */
static int drain_connections(struct shared *st)
{
    uint64_t until = now_ns() + (uint64_t)SHUTDOWN_GRACE_MS * 1000000u;
    for (;;) {
        pthread_mutex_lock(&st->lock);
        pthread_cond_broadcast(&st->slot_free);
        int active = st->active_conns;
        pthread_mutex_unlock(&st->lock);
        if (active == 0)
            return 0;
        if (now_ns() >= until)
            return -1;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    struct server *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "fakellm: out of memory\n");
        return 1;
    }
    int rc = parse_args(argc, argv, &s->cfg);
    if (rc != 0) {
        free(s);
        return rc < 0 ? EXIT_USAGE : 0;
    }
    const char *key = getenv("FAKELLM_API_KEY");
    s->cfg.api_key = key && *key ? key : NULL;
    s->cfg.start_ns = now_ns();
    g_cfg = &s->cfg;
    if (shared_init(&s->st, s->cfg.log_path) != 0 || install_signals() != 0)
        return EXIT_CANTCREAT;
    int port = 0;
    s->listen_fd = open_listener(s->cfg.port, &port);
    if (s->listen_fd < 0) {
        fprintf(stderr, "fakellm: cannot listen on 127.0.0.1:%d: %s\n", s->cfg.port,
                strerror(errno));
        return EXIT_OSERR;
    }
    if (s->cfg.port_file && write_port_file(s->cfg.port_file, port) != 0)
        return EXIT_CANTCREAT;
    fprintf(stderr, "fakellm listening on 127.0.0.1:%d\n", port);
    accept_loop(s);
    close(s->listen_fd);
    if (drain_connections(&s->st) != 0) {
        /* Threads still use *s: leave it allocated and exit without cleanup. */
        pthread_mutex_lock(&s->st.log_lock);
        if (s->st.log)
            fflush(s->st.log);
        _exit(0);
    }
    shared_destroy(&s->st);
    free(s);
    return 0;
}
