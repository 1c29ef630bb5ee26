/* SPDX-License-Identifier: MIT */
/* exp_textfile.c: --textfile, for node_exporter's textfile collector. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exporter.h"

/* Writes all of buf to fd. Returns 0 or -errno. */
static int exp_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The new file beside path ("PATH.XXXXXX": not *.prom, so the collector
 * never reads it), readable by the collector's user, then renamed over
 * path. */
static int exp_replace(const char *path, const char *buf, size_t len)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 8);
	int fd, rc;

	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	rc = exp_write_all(fd, buf, len);
	if (rc == 0 && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int exp_textfile_write(struct exp_set *s, const char *path)
{
	char *buf;
	size_t len;
	int rc = exp_render(s, &buf, &len);

	if (rc < 0)
		return rc;
	if (strcmp(path, "-") == 0) {
		rc = exp_write_all(STDOUT_FILENO, buf, len);
	} else {
		rc = exp_replace(path, buf, len);
	}
	free(buf);
	return rc;
}
