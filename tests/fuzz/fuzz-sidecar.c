// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-sidecar — the sidecar loader under libFuzzer: the bytes as a
 * layer's .vuovl/meta.db, opened read-only and walked (as vutar -c and a
 * lower layer are), then opened for writing and repaired (as vuovl-meta
 * repair). A crafted sidecar must give an error or skipped rows, never a
 * crash or a walk outside the layer.
 */
#include "config.h"
#include "sidecar.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char layer[64];
static int layer_fd = -1;

static int visit(const char *path, const struct vmeta *m, void *arg)
{
	struct sidecar *sc = arg;
	char names[1024], value[256];
	struct vmeta got;
	ssize_t n;

	(void)m;
	sidecar_get(sc, path, NULL, &got);
	n = sidecar_xattr_list(sc, path, names, sizeof(names));
	for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(names + i) + 1)
		sidecar_xattr_get(sc, path, names + i, value, sizeof(value));
	return 0;
}

static void setup(void)
{
	snprintf(layer, sizeof(layer), "/tmp/fuzz-sidecar.XXXXXX");
	if (!mkdtemp(layer) || mkdirat(layer_fd = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC),
					 SIDECAR_DIR, 0700) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sidecar *sc;
	char file[128];
	unsigned removed;
	int fd;

	if (layer_fd < 0)
		setup();
	snprintf(file, sizeof(file), "%s/%s/%s", layer, SIDECAR_DIR, SIDECAR_FILE);
	unlink(file);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (sidecar_open(layer_fd, layer, NULL, SIDECAR_RDONLY, &sc) == 0) {
		sidecar_foreach(sc, visit, sc);
		sidecar_close(sc);
	}
	if (sidecar_open(layer_fd, layer, NULL, 0, &sc) == 0) {
		sidecar_repair(sc, layer_fd, &removed);
		sidecar_foreach(sc, visit, sc);
		sidecar_close(sc);
	}
	snprintf(file, sizeof(file), "%s/%s/%s-wal", layer, SIDECAR_DIR, SIDECAR_FILE);
	unlink(file);
	snprintf(file, sizeof(file), "%s/%s/%s-shm", layer, SIDECAR_DIR, SIDECAR_FILE);
	unlink(file);
	return 0;
}
