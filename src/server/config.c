/*
 * config.c — larchd's configuration: defaults, `key=value` files and single
 * keys (command-line flags go through server_config_set too).
 *
 * Keys (IoTDB's names where IoTDB has the setting; the dn_ prefix of
 * IoTDB 1.x+ is optional):
 *   rpc_address, rpc_port, data_dirs (first of a comma list),
 *   wal_mode (SYNC | ASYNC | DISABLE), wal_async_mode_fsync_delay_in_ms,
 *   timestamp_precision (ms | us | ns), time_partition_interval,
 *   memtable_size_threshold, enable_auto_create_schema,
 *   default_storage_group_level (or default_database_level),
 *   default_ttl_in_ms, thrift_max_frame_size, rpc_max_concurrent_client_num,
 *   enable_thrift_ssl, and Larch's own: ssl_cert_file, ssl_key_file,
 *   memory_budget (bytes; K/M/G suffixes), root_password (the root user's
 *   password in a data directory created by this start; an existing
 *   directory keeps its users), log_level (error | warn | info | debug).
 * Keys Larch has no use for (IoTDB files carry many) are ignored with a
 * warning.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "server/server.h"

void server_config_default(server_config_t *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->rpc_address, sizeof(c->rpc_address), "127.0.0.1");
	c->rpc_port = 6667;
	snprintf(c->data_dir, sizeof(c->data_dir), "data");
	larch_options_default(&c->db);
	c->max_frame = 64u << 20;
	c->max_connections = 65535;
	snprintf(c->root_password, sizeof(c->root_password), "root");
	snprintf(c->db.root_password, sizeof(c->db.root_password), "root");
	c->log_level = LOG_INFO;
}

/* Parse an unsigned number with an optional K/M/G suffix (powers of 1024). */
static int parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return 0;
	n = strtoull(v, &end, 10);
	if (errno)
		return 0;
	switch (toupper((unsigned char)*end)) {
	case 'K': n <<= 10; end++; break;
	case 'M': n <<= 20; end++; break;
	case 'G': n <<= 30; end++; break;
	default: break;
	}
	if (toupper((unsigned char)*end) == 'B')
		end++;
	if (*end || n > max)
		return 0;
	*out = n;
	return 1;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcasecmp(v, "true") || !strcmp(v, "1")) {
		*out = 1;
		return 1;
	}
	if (!strcasecmp(v, "false") || !strcmp(v, "0")) {
		*out = 0;
		return 1;
	}
	return 0;
}

static int copy_str(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (n >= cap)
		return 0;
	memcpy(dst, v, n + 1);
	return 1;
}

static int parse_enum(const char *v, const char *const *names, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(v, names[i])) {
			*out = (int)i;
			return 1;
		}
	return 0;
}

int server_config_set(server_config_t *c, const char *key, const char *value,
		      larch_error_t *err)
{
	static const char *const wal[] = { "SYNC", "ASYNC", "DISABLE" };
	static const char *const prec[] = { "ms", "us", "ns" };
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	uint64_t u;
	int ok = 1, e = 0;

	if (!strncmp(key, "dn_", 3))
		key += 3;
	if (!strcmp(key, "rpc_address")) {
		ok = copy_str(c->rpc_address, sizeof(c->rpc_address), value);
	} else if (!strcmp(key, "rpc_port")) {
		ok = parse_u64(value, 65535, &u);
		c->rpc_port = (uint16_t)u;
	} else if (!strcmp(key, "data_dirs") || !strcmp(key, "data_dir")) {
		size_t n = strcspn(value, ",;");
		ok = n > 0 && n < sizeof(c->data_dir);
		if (ok) {
			memcpy(c->data_dir, value, n);
			c->data_dir[n] = 0;
		}
	} else if (!strcmp(key, "wal_mode")) {
		ok = parse_enum(value, wal, 3, &e);
		c->db.wal_mode = e == 0 ? LARCH_WAL_SYNC : e == 1 ? LARCH_WAL_ASYNC : LARCH_WAL_OFF;
	} else if (!strcmp(key, "wal_async_mode_fsync_delay_in_ms")) {
		ok = parse_u64(value, 3600000, &u) && u > 0;
		c->db.wal_async_interval_ms = (uint32_t)u;
	} else if (!strcmp(key, "timestamp_precision")) {
		ok = parse_enum(value, prec, 3, &e);
		c->db.precision = (larch_precision_t)e;
	} else if (!strcmp(key, "time_partition_interval")) {
		ok = parse_u64(value, INT64_MAX, &u) && u > 0;
		c->db.partition_interval = (int64_t)u;
	} else if (!strcmp(key, "memtable_size_threshold")) {
		ok = parse_u64(value, UINT64_MAX, &u) && u >= 4096;
		c->db.memtable_bytes = u;
	} else if (!strcmp(key, "memory_budget")) {
		ok = parse_u64(value, UINT64_MAX, &u);
		c->db.memory_budget = u;
	} else if (!strcmp(key, "enable_auto_create_schema")) {
		ok = parse_bool(value, &c->db.auto_create_schema);
	} else if (!strcmp(key, "default_storage_group_level") ||
		   !strcmp(key, "default_database_level")) {
		ok = parse_u64(value, 64, &u) && u > 0;
		c->db.default_database_level = (int)u;
	} else if (!strcmp(key, "default_ttl_in_ms")) {
		ok = parse_u64(value, INT64_MAX, &u);
		c->db.ttl = (int64_t)u;
	} else if (!strcmp(key, "thrift_max_frame_size")) {
		ok = parse_u64(value, 1ull << 31, &u);
		c->max_frame = u ? (size_t)u : 64u << 20;
	} else if (!strcmp(key, "rpc_max_concurrent_client_num")) {
		ok = parse_u64(value, 1u << 20, &u) && u > 0;
		c->max_connections = (uint32_t)u;
	} else if (!strcmp(key, "enable_thrift_ssl")) {
		ok = parse_bool(value, &c->enable_ssl);
	} else if (!strcmp(key, "ssl_cert_file")) {
		ok = copy_str(c->ssl_cert, sizeof(c->ssl_cert), value);
	} else if (!strcmp(key, "ssl_key_file")) {
		ok = copy_str(c->ssl_key, sizeof(c->ssl_key), value);
	} else if (!strcmp(key, "root_password")) {   /* seeds root of a new data directory */
		ok = copy_str(c->root_password, sizeof(c->root_password), value) &&
		     copy_str(c->db.root_password, sizeof(c->db.root_password), value);
	} else if (!strcmp(key, "log_level")) {
		ok = parse_enum(value, levels, 4, &c->log_level);
	} else {
		server_log(LOG_WARN, "config: ignoring unknown key %s", key);
	}
	if (!ok)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "config: bad value '%s' for %s", value,
			       key);
	return LARCH_OK;
}

/* Trim blanks at both ends in place; returns the start. */
static char *trim(char *s)
{
	char *e = s + strlen(s);

	while (*s && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int server_config_load(server_config_t *c, const char *path, larch_error_t *err)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, rc = LARCH_OK;

	if (!f)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "config: cannot open %s: %s", path,
			       strerror(errno));
	while (rc == LARCH_OK && fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq;
		lineno++;
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "%s:%d: expected key=value", path,
				     lineno);
			break;
		}
		*eq = 0;
		rc = server_config_set(c, trim(s), trim(eq + 1), err);
		if (rc)
			err_prefix(err, "%s:%d", path, lineno);
	}
	fclose(f);
	return rc;
}
