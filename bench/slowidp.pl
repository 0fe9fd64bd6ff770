#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# A slow mock IdP for bench/cache.sh: answers every introspection call active after DELAY_MS
# (default 300) and appends one line per call to LOG, so a burst of requests for one new token
# shows how many calls the gateway really made. One process per connection.
use strict; use warnings; use IO::Socket::INET; use Time::HiRes qw(usleep);
my ($port, $log, $delay) = ($ARGV[0], $ARGV[1], $ARGV[2] // 300);
$SIG{CHLD} = 'IGNORE';
my $server = IO::Socket::INET->new(Listen => 512, LocalAddr => '127.0.0.1', LocalPort => $port, ReuseAddr => 1) or die "listen: $!";
while (my $c = $server->accept) {
  next if fork;
  my $buf = '';
  while (1) {
    while ($buf !~ /\r\n\r\n/) { my $n = sysread($c, my $more, 65536); exit 0 unless $n; $buf .= $more; }
    my ($h, $rest) = split /\r\n\r\n/, $buf, 2;
    my ($len) = $h =~ /^content-length:\s*(\d+)/im; $len //= 0;
    while (length $rest < $len) { my $n = sysread($c, my $more, 65536); exit 0 unless $n; $rest .= $more; }
    $buf = substr($rest, $len);
    open(my $fh, '>>', $log) or die; print $fh "call\n"; close $fh;
    usleep($delay * 1000);
    my $body = '{"active":true,"sub":"burst","exp":4102444800}';
    print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " . length($body) . "\r\n\r\n$body";
  }
}
