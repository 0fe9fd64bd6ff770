// SPDX-License-Identifier: Apache-2.0
// relay: the cheapest proxy a user-space process can be, as a lower bound for the cost of one
// more hop. Per accepted connection it connects to the target and copies bytes both ways:
// epoll, one read and one write per relay, no parsing, no log, no limit. WORKERS processes
// share the port (SO_REUSEPORT), as nginx's workers do.
//   relay LISTEN_PORT TARGET_PORT [WORKERS]   (loopback only; prints nothing, runs until killed)
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t BufferSize = 64 * 1024;

// One direction of a relayed pair: bytes read from `from` wait here until `to` takes them.
struct Leg {
    int from = -1;
    int to = -1;
    std::vector<char> pending;
    size_t sent = 0;
};

struct Pair {
    Leg up;   // client -> target
    Leg down; // target -> client
};

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

void noDelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int listenOn(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sockaddr_in address = loopback(port);
    if (bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        listen(fd, 4096) != 0) {
        perror("relay: listen");
        exit(1);
    }
    return fd;
}

class Relay {
public:
    Relay(int listener, int target)
        : m_listener(listener)
        , m_target(target)
        , m_epoll(epoll_create1(0)) {
        watch(m_listener, EPOLLIN, EPOLL_CTL_ADD);
    }

    [[noreturn]] void run() {
        epoll_event events[256];
        for (;;) {
            int n = epoll_wait(m_epoll, events, 256, -1);
            for (int i = 0; i < n; ++i) {
                int fd = events[i].data.fd;
                if (fd == m_listener)
                    acceptAll();
                else if (m_pairs.count(fd))
                    service(fd, events[i].events);
            }
        }
    }

private:
    void watch(int fd, uint32_t events, int op) {
        epoll_event event{};
        event.events = events;
        event.data.fd = fd;
        epoll_ctl(m_epoll, op, fd, &event);
    }

    void acceptAll() {
        for (;;) {
            int client = accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK);
            if (client < 0)
                return;
            // A blocking connect on loopback costs the bound nothing worth measuring.
            int upstream = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in address = loopback(m_target);
            if (connect(upstream, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
                close(client);
                close(upstream);
                continue;
            }
            fcntl(upstream, F_SETFL, O_NONBLOCK);
            noDelay(client);
            noDelay(upstream);
            auto *pair = new Pair;
            pair->up = {client, upstream, {}, 0};
            pair->down = {upstream, client, {}, 0};
            m_pairs[client] = pair;
            m_pairs[upstream] = pair;
            m_interest[client] = EPOLLIN;
            m_interest[upstream] = EPOLLIN;
            watch(client, EPOLLIN, EPOLL_CTL_ADD);
            watch(upstream, EPOLLIN, EPOLL_CTL_ADD);
        }
    }

    // Only the direction the event is about moves: trying the other side as well would cost
    // a read that finds nothing, one more system call per relay than a proxy needs.
    void service(int fd, uint32_t events) {
        Pair *pair = m_pairs[fd];
        Leg &reading = pair->up.from == fd ? pair->up : pair->down; // fd's input
        Leg &writing = pair->up.from == fd ? pair->down : pair->up; // fd's output
        const bool ok = (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || pump(reading)) &&
                        (!(events & EPOLLOUT) || pump(writing));
        if (!ok) {
            drop(pair);
            return;
        }
        updateInterest(pair->up.from, pair->up, pair->down);
        updateInterest(pair->down.from, pair->down, pair->up);
    }

    // Reads from leg.from only while nothing waits for leg.to, so memory stays one buffer.
    bool pump(Leg &leg) {
        if (!flush(leg))
            return false;
        if (leg.sent < leg.pending.size())
            return true;
        char buffer[BufferSize];
        ssize_t got = read(leg.from, buffer, sizeof buffer);
        if (got == 0)
            return false;
        if (got < 0)
            return errno == EAGAIN;
        ssize_t put = write(leg.to, buffer, static_cast<size_t>(got));
        if (put < 0 && errno != EAGAIN)
            return false;
        // Only what the kernel did not take is copied, to be written when leg.to drains.
        leg.pending.assign(buffer + std::max<ssize_t>(put, 0), buffer + got);
        leg.sent = 0;
        return true;
    }

    bool flush(Leg &leg) {
        while (leg.sent < leg.pending.size()) {
            ssize_t put =
                write(leg.to, leg.pending.data() + leg.sent, leg.pending.size() - leg.sent);
            if (put < 0)
                return errno == EAGAIN;
            leg.sent += static_cast<size_t>(put);
        }
        return true;
    }

    // fd reads for `reading` and writes what `writing` still holds; epoll is told only of
    // changes, so a relay that keeps up costs epoll_wait, read and write and nothing else.
    void updateInterest(int fd, const Leg &reading, const Leg &writing) {
        uint32_t events = 0;
        if (reading.sent >= reading.pending.size())
            events |= EPOLLIN;
        if (writing.sent < writing.pending.size())
            events |= EPOLLOUT;
        uint32_t &current = m_interest[fd];
        if (events != current) {
            current = events;
            watch(fd, events, EPOLL_CTL_MOD);
        }
    }

    void drop(Pair *pair) {
        for (int fd : {pair->up.from, pair->down.from}) {
            m_pairs.erase(fd);
            m_interest.erase(fd);
            close(fd);
        }
        delete pair;
    }

    int m_listener;
    int m_target;
    int m_epoll;
    std::unordered_map<int, Pair *> m_pairs;
    std::unordered_map<int, uint32_t> m_interest;
};

} // namespace

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: relay LISTEN_PORT TARGET_PORT [WORKERS]\n");
        return 2;
    }
    int listenPort = atoi(argv[1]);
    int targetPort = atoi(argv[2]);
    int workers = argc > 3 ? atoi(argv[3]) : 1;
    for (int i = 1; i < workers; ++i) {
        if (fork() == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM); // the bench stops the first process only
            Relay(listenOn(listenPort), targetPort).run();
        }
    }
    Relay(listenOn(listenPort), targetPort).run();
}
