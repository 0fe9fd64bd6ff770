#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Upload sink for bench/run.sh: reads each request's Content-Length body to the end (so the
# whole upload really crosses the gateway), then answers 200. One connection at a time.
use strict; use warnings; use IO::Socket::INET;
my $server = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1', LocalPort => $ARGV[0], ReuseAddr => 1) or die "listen: $!";
while (my $c = $server->accept) {
  while (1) {
    my $head = '';
    while ($head !~ /\r\n\r\n/) { my $n = sysread($c, my $buf, 65536); last unless $n; $head .= $buf; }
    last unless $head =~ /\r\n\r\n/;
    my ($h, $rest) = split /\r\n\r\n/, $head, 2;
    my ($len) = $h =~ /^content-length:\s*(\d+)/im; $len //= 0;
    my $got = length $rest;
    while ($got < $len) { my $n = sysread($c, my $buf, 1 << 20); last unless $n; $got += $n; }
    my $body = "$got\n";
    print $c "HTTP/1.1 200 OK\r\nContent-Length: " . length($body) . "\r\n\r\n$body";
  }
  close $c;
}
