#define _GNU_SOURCE
#include "elf_symbols.h"
#include "tool_lock.h"
#include "modules.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 256

struct symfile {
    const char *path; /* the module map's string: compared by pointer, then content */
    int state;        /* 0 unread, 1 usable, -1 unusable */
    const Elf64_Sym *syms;
    size_t nsyms;
    const char *strtab;
    size_t strsz;
};

static struct symfile files[MAX_FILES];
static unsigned nfiles;
static lg_tool_lock files_lock;

static int load(struct symfile *f)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        close(fd);
        return -1;
    }
    const unsigned char *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    size_t size = (size_t)st.st_size;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff >= size ||
        eh->e_shnum > (size - eh->e_shoff) / sizeof(Elf64_Shdr))
        return -1;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    const Elf64_Shdr *best = NULL;
    for (unsigned i = 0; i < eh->e_shnum; i++)
        if (sh[i].sh_type == SHT_SYMTAB || (sh[i].sh_type == SHT_DYNSYM && !best))
            best = &sh[i];
    if (!best || best->sh_link >= eh->e_shnum || best->sh_offset > size ||
        best->sh_size > size - best->sh_offset)
        return -1;
    const Elf64_Shdr *str = &sh[best->sh_link];
    if (str->sh_offset > size || str->sh_size > size - str->sh_offset)
        return -1;
    f->syms = (const Elf64_Sym *)(m + best->sh_offset);
    f->nsyms = best->sh_size / sizeof(Elf64_Sym);
    f->strtab = (const char *)(m + str->sh_offset);
    f->strsz = str->sh_size;
    return 1;
}

static struct symfile *file_for(const char *path)
{
    lg_tool_lock_take(&files_lock);
    struct symfile *f = NULL;
    for (unsigned i = 0; i < nfiles && !f; i++)
        if (files[i].path == path || strcmp(files[i].path, path) == 0)
            f = &files[i];
    if (!f && nfiles < MAX_FILES) {
        f = &files[nfiles++];
        f->path = path;
    }
    lg_tool_lock_give(&files_lock);
    if (f && f->state == 0) /* a racing first load maps the file twice: harmless */
        f->state = load(f);
    return f;
}

static const char *lookup(uintptr_t pc, unsigned type, uintptr_t *offset)
{
    uintptr_t base;
    const char *path = lg_module_of(pc, &base);
    if (!path || !path[0] || path[0] == '[')
        return NULL;
    struct symfile *f = file_for(path);
    if (!f || f->state != 1)
        return NULL;
    uint64_t vaddr = pc - base;
    const Elf64_Sym *hit = NULL;
    for (size_t i = 0; i < f->nsyms; i++) {
        const Elf64_Sym *s = &f->syms[i];
        if (ELF64_ST_TYPE(s->st_info) != type || !s->st_value || s->st_name >= f->strsz)
            continue;
        if (vaddr >= s->st_value && vaddr < s->st_value + (s->st_size ? s->st_size : 1) &&
            (!hit || s->st_value > hit->st_value))
            hit = s;
    }
    if (!hit)
        return NULL;
    *offset = vaddr - hit->st_value;
    return f->strtab + hit->st_name;
}

const char *lg_elf_function(uintptr_t pc, uintptr_t *offset)
{
    const char *name = lookup(pc, STT_FUNC, offset);
    if (name)
        (*offset)++; /* pc is a call site: report the return address's offset */
    return name;
}

const char *lg_elf_object(uintptr_t addr, uintptr_t *offset)
{
    return lookup(addr, STT_OBJECT, offset);
}

void lg_elf_symbols_after_fork(void) { lg_tool_lock_reset(&files_lock); }
