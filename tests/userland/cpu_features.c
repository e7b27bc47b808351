// The CPU features a program sees are honest: what CPUID advertises works, and glibc's
// CPU-specific string functions (chosen through IFUNC from those features) give the right
// answers. The output does not depend on which features there are, so it is the same on any
// machine; on Unicorn (no AVX) glibc must fall back to its SSE2 versions.
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int features_consistent(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    int sse2 = (d >> 26) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!sse2)
        return 0;                       /* x86-64 always has SSE2 */
    if (avx && !osxsave)
        return 0;                       /* AVX is only usable through XSAVE-enabled state */
    if (osxsave) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if (!(lo & 2))
            return 0;                   /* SSE state must be enabled in XCR0 */
        if (avx && (lo & 4))            /* advertised and enabled: it must actually run */
            __asm__ volatile("vpxor %%xmm0, %%xmm0, %%xmm0" ::: "xmm0");
    }
    return 1;
}

int main(void) {
    printf("cpuid consistent: %s\n", features_consistent() ? "yes" : "no");
    printf("builtin sse2: %d\n", __builtin_cpu_supports("sse2") ? 1 : 0);

    size_t n = 1 << 16;
    char *a = malloc(n + 64), *b = malloc(n + 64);
    for (size_t i = 0; i < n; i++)
        a[i] = (char)('a' + i % 23);
    a[n] = 0;
    memcpy(b, a, n + 1);
    printf("memcpy+memcmp: %d\n", memcmp(a, b, n + 1));
    printf("strlen: %zu\n", strlen(a + 3));
    printf("strchr offset: %td\n", strchr(a + 5, 'w') - a);
    printf("memchr offset: %td\n", (char *)memchr(a, 'a' + 22, n) - a);
    b[n - 7] = 'Z';
    printf("strcmp sign: %d\n", strcmp(a, b) > 0 ? 1 : -1);
    memmove(a + 1, a, n - 1);
    printf("memmove: %c%c%c\n", a[0], a[1], a[2]);
    memset(a, 'q', n);
    printf("memset+strspn: %zu\n", strspn(a, "q"));
    char *hay = b, *needle = "klmno";
    char *found = strstr(hay, needle);
    printf("strstr offset: %td\n", found ? found - hay : -1);
    free(a);
    free(b);
    return 0;
}
