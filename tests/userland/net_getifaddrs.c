// getifaddrs (glibc: NETLINK_ROUTE RTM_GETLINK + RTM_GETADDR dumps) lists lo with its
// link entry, 127.0.0.1/8 and ::1/128; entries of other interfaces are filtered out.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>

static void show(const char *what, const struct sockaddr *sa) {
    char text[INET6_ADDRSTRLEN] = "-";
    if (sa == NULL) {
        printf(" %s=none", what);
        return;
    }
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, sizeof text);
    else if (sa->sa_family == AF_PACKET) {
        const struct sockaddr_ll *ll = (const struct sockaddr_ll *)sa;
        snprintf(text, sizeof text, "ll(index=%d,hatype=%d,halen=%d)", ll->sll_ifindex, ll->sll_hatype, ll->sll_halen);
    }
    printf(" %s=%s", what, text);
}

int main(void) {
    struct ifaddrs *list;
    if (getifaddrs(&list) != 0) {
        perror("getifaddrs");
        return 1;
    }
    int count = 0;
    for (struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
        if (strcmp(ifa->ifa_name, "lo") != 0)
            continue;
        count++;
        printf("%s family=%d flags=%#x", ifa->ifa_name, ifa->ifa_addr ? ifa->ifa_addr->sa_family : -1,
               ifa->ifa_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST));
        show("addr", ifa->ifa_addr);
        show("netmask", ifa->ifa_netmask);
        printf("\n");
    }
    freeifaddrs(list);
    printf("entries=%d\n", count);
    return 0;
}
