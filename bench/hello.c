// Helper for the boot-to-first-output benchmark: writes one line as its first action.
#include <unistd.h>

int main(void)
{
    return write(1, "hello\n", 6) == 6 ? 0 : 1;
}
