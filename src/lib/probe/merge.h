/*
 * simprobe --merge: the shards of one decision table (simprobe --shard
 * K/N) into the whole table; their headers must agree and their entries
 * cover every entry once.
 */
#ifndef SIM_PROBE_MERGE_H
#define SIM_PROBE_MERGE_H

/*
 * Into output (NULL: stdout): 0, or 65 (shards that do not fit), 66, 71,
 * 73 or 74 after a message naming the file and line.
 */
int probe_merge(char **files, int nfiles, const char *output,
    const char *prog);

#endif
