/* activities.h - the activity_labels.txt table ("1 WALKING" per line),
 * shared by the HAPT and UCI HAR v1 layouts. */
#ifndef HAR_ACTIVITIES_H
#define HAR_ACTIVITIES_H

#include <stddef.h>
#include <stdint.h>

#include "io/digest.h"
#include "core/err.h"

typedef struct {
    int32_t id;
    char *name;
} har_activity;

typedef struct {
    har_activity *a;
    int n;
} har_activities;

/* Ids must be unique positive integers; names must be non-empty and free of
 * commas and whitespace (they become comma-separated metadata). */
int har_activities_read(const char *path, har_activities *acts, char *sha_hex, har_err *e);
/* The same on the file's (decompressed) content in memory; path names it in
 * messages.  buf need not be NUL-terminated. */
int har_activities_parse(const char *buf, size_t len, const char *path, har_activities *acts, har_err *e);
const char *har_activities_name(const har_activities *acts, int32_t id);
void har_activities_free(har_activities *acts);

#endif
