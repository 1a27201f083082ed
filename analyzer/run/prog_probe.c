/* realpath, geteuid/getegid */
#define _XOPEN_SOURCE 700
#include "prog_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void lg_prog_info_clear(lg_prog_info *info)
{
    g_free(info->path);
    g_free(info->asan_soname);
    g_strfreev(info->runpath);
    memset(info, 0, sizeof *info);
}

static gboolean is_asan_runtime(const char *soname)
{
    /* gcc's shared runtime; clang links its runtime statically by default, and its
     * shared one (-shared-libasan) is named libclang_rt.asan-<arch>.so. */
    return g_str_has_prefix(soname, "libasan.so") || g_str_has_prefix(soname, "libclang_rt.asan");
}

/* Splits a DT_RPATH/DT_RUNPATH string, expanding $ORIGIN as ld.so does. */
static char **expand_search_path(const char *value, const char *origin)
{
    char **dirs = g_strsplit(value, ":", -1);
    for (int i = 0; dirs[i]; i++) {
        char *tmp = dirs[i];
        char **parts = g_strsplit(tmp, "${ORIGIN}", -1);
        char *joined = g_strjoinv(origin, parts);
        g_strfreev(parts);
        parts = g_strsplit(joined, "$ORIGIN", -1);
        dirs[i] = g_strjoinv(origin, parts);
        g_strfreev(parts);
        g_free(joined);
        g_free(tmp);
    }
    return dirs;
}

static void read_dynamic(Elf *elf, lg_prog_info *out, const char *origin)
{
    Elf_Scn *scn = NULL;
    const char *rpath = NULL, *runpath = NULL;
    while ((scn = elf_nextscn(elf, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
            continue;
        Elf_Data *data = elf_getdata(scn, NULL);
        if (!data || sh.sh_entsize == 0)
            continue;
        size_t n = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < n; i++) {
            GElf_Dyn dyn;
            if (!gelf_getdyn(data, (int)i, &dyn))
                break;
            if (dyn.d_tag == DT_NULL)
                break;
            if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH)
                continue;
            const char *s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
            if (!s)
                continue;
            if (dyn.d_tag == DT_NEEDED && !out->asan_soname && is_asan_runtime(s))
                out->asan_soname = g_strdup(s);
            else if (dyn.d_tag == DT_RPATH)
                rpath = s;
            else if (dyn.d_tag == DT_RUNPATH)
                runpath = s;
        }
    }
    /* ld.so ignores DT_RPATH when DT_RUNPATH is present. */
    out->has_runpath = runpath != NULL;
    if (runpath || rpath)
        out->runpath = expand_search_path(runpath ? runpath : rpath, origin);
}

static void read_elf(int fd, lg_prog_info *out)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return;
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    if (!elf)
        return;
    GElf_Ehdr eh;
    if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
        elf_end(elf);
        return;
    }
    out->is_elf = TRUE;
    out->elf_class = gelf_getclass(elf);
    out->elf_machine = eh.e_machine;

    gboolean interp = FALSE;
    size_t nph = 0;
    if (elf_getphdrnum(elf, &nph) == 0) {
        for (size_t i = 0; i < nph; i++) {
            GElf_Phdr ph;
            if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP)
                interp = TRUE;
        }
    }
    /* Without PT_INTERP the kernel jumps straight into the program (static or
     * static-pie): no dynamic loader, so LD_PRELOAD means nothing. */
    out->is_static = !interp && (eh.e_type == ET_EXEC || eh.e_type == ET_DYN);

    char *real = realpath(out->path, NULL);
    char *origin = g_path_get_dirname(real ? real : out->path);
    read_dynamic(elf, out, origin);
    g_free(origin);
    free(real);
    elf_end(elf);
}

gboolean lg_prog_probe(const char *prog, lg_prog_info *out, GError **err)
{
    memset(out, 0, sizeof *out);
    if (strchr(prog, '/'))
        out->path = g_strdup(prog);
    else
        out->path = g_find_program_in_path(prog);
    struct stat st;
    if (!out->path || stat(out->path, &st) != 0) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: command not found", prog);
        lg_prog_info_clear(out);
        return FALSE;
    }
    /* Secure mode (AT_SECURE) only happens when exec changes the effective ids. */
    out->is_setid = ((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
                    ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getegid());

    int fd = open(out->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        /* Execute-only files exist; exec will tell whether it can run. */
        return TRUE;
    }
    read_elf(fd, out);
    close(fd);
    return TRUE;
}

/* A candidate is usable only if it is an ELF object of PROG's class and machine:
 * ld.so skips others (a 32-bit libasan in a multilib dir, say). */
static gboolean library_fits(const lg_prog_info *prog, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return FALSE;
    gboolean ok = FALSE;
    Elf *elf = elf_version(EV_CURRENT) != EV_NONE ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
    GElf_Ehdr eh;
    if (elf && elf_kind(elf) == ELF_K_ELF && gelf_getehdr(elf, &eh))
        ok = gelf_getclass(elf) == prog->elf_class && eh.e_machine == prog->elf_machine;
    if (elf)
        elf_end(elf);
    close(fd);
    return ok;
}

static char *try_dirs(const lg_prog_info *prog, char **dirs, const char *soname)
{
    for (int i = 0; dirs && dirs[i]; i++) {
        if (!*dirs[i])
            continue;
        char *p = g_build_filename(dirs[i], soname, NULL);
        if (library_fits(prog, p)) {
            char *abs = g_canonicalize_filename(p, NULL);
            g_free(p);
            return abs;
        }
        g_free(p);
    }
    return NULL;
}

/* Lines of `ldconfig -p` look like
 *   "\tlibasan.so.8 (libc6,x86-64) => /lib/x86_64-linux-gnu/libasan.so.8". */
static char *from_ld_cache(const lg_prog_info *prog, const char *soname)
{
    const char *cands[] = {"/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"};
    char *outtext = NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(cands) && !outtext; i++) {
        const char *argv[] = {cands[i], "-p", NULL};
        int wait_status = 0;
        if (!g_spawn_sync(NULL, (char **)argv, NULL,
                          G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                          &outtext, NULL, &wait_status, NULL) ||
            !g_spawn_check_wait_status(wait_status, NULL)) {
            g_free(outtext);
            outtext = NULL;
        }
    }
    if (!outtext)
        return NULL;
    char *found = NULL;
    char **lines = g_strsplit(outtext, "\n", -1);
    for (int i = 0; lines[i] && !found; i++) {
        char *line = g_strstrip(lines[i]);
        const char *arrow = strstr(line, " => ");
        const char *sp = strchr(line, ' ');
        if (!arrow || !sp || (size_t)(sp - line) != strlen(soname) ||
            strncmp(line, soname, strlen(soname)) != 0)
            continue;
        const char *path = arrow + 4;
        if (library_fits(prog, path))
            found = g_strdup(path);
    }
    g_strfreev(lines);
    g_free(outtext);
    return found;
}

/* gcc and clang answer -print-file-name=X with the full path of their own copy of X,
 * or with X itself when they have none. */
static char *from_compiler(const lg_prog_info *prog, const char *soname)
{
    const char *compilers[] = {"gcc", "cc", "clang"};
    char *opt = g_strdup_printf("-print-file-name=%s", soname);
    char *found = NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(compilers) && !found; i++) {
        const char *argv[] = {compilers[i], opt, NULL};
        char *outtext = NULL;
        int wait_status = 0;
        if (g_spawn_sync(NULL, (char **)argv, NULL,
                         G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &outtext,
                         NULL, &wait_status, NULL) &&
            g_spawn_check_wait_status(wait_status, NULL) && outtext) {
            g_strstrip(outtext);
            if (g_path_is_absolute(outtext) && library_fits(prog, outtext))
                found = g_canonicalize_filename(outtext, NULL);
        }
        g_free(outtext);
    }
    g_free(opt);
    return found;
}

char *lg_find_library(const lg_prog_info *prog, const char *soname)
{
    if (strchr(soname, '/'))
        return library_fits(prog, soname) ? g_canonicalize_filename(soname, NULL) : NULL;
    char *found = NULL;
    if (!prog->has_runpath)
        found = try_dirs(prog, prog->runpath, soname);
    if (!found && !prog->is_setid && g_getenv("LD_LIBRARY_PATH")) {
        /* ld.so accepts ':' and ';' between entries. */
        char **dirs = g_strsplit_set(g_getenv("LD_LIBRARY_PATH"), ":;", -1);
        found = try_dirs(prog, dirs, soname);
        g_strfreev(dirs);
    }
    if (!found && prog->has_runpath)
        found = try_dirs(prog, prog->runpath, soname);
    if (!found)
        found = from_ld_cache(prog, soname);
    if (!found) {
        char *defaults[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                            "/lib64", "/usr/lib64", "/lib", "/usr/lib", NULL};
        found = try_dirs(prog, defaults, soname);
    }
    if (!found)
        found = from_compiler(prog, soname);
    return found;
}
