// Helper for the fork_exec benchmark: the smallest useful static program.
int main(void)
{
    return 0;
}
