#!/usr/bin/perl
# The Perl side of FirstByteBench (dev.jfork.bench.FirstByteBench): AnyEvent::Fork's
# template->fork->run, timed here with Time::HiRes (CLOCK_MONOTONIC), from the fork call to the
# moment this process has read the child's first byte.
#
#   my $template = AnyEvent::Fork->new->eval('sub child { ... }');    # once
#   $template->fork->run("main::child", sub { ... read one byte ... }); # per sample
#
# The child function writes one byte to its socket, closes it and returns: the process exits.
# A sample is over for the burst when its byte was read, and gone when its socket reached end of
# file (the child exited; it is not our child, its template reaps it).
#
# Driven by the Java main over stdin/stdout, one command a line, so that its bursts interleave with
# jfork's and the Java side does the pauses:
#
#   burst K seq   K samples, each started when the previous one's byte was read
#   burst K all   K samples started at once (each timed from its own fork call)
#                 -> K lines "sample I NS" (NS = -1: no byte, the child died), then "done" once
#                    every child of the burst has closed its socket
#   sustain S     back-to-back samples for S seconds, each gone before the next starts (1 in flight)
#                 -> "sustained COUNT NS FAILED"
#   quit          -> exits (the template processes exit with us)
#
# Output starts with "ready KEY=VALUE ..." once the template has forked a first child.
# Needs AnyEvent::Fork and EV (Debian: apt-get install -y libanyevent-fork-perl libev-perl).
#
# By hand: printf 'burst 3 seq\nsustain 2\nquit\n' | perl first-byte.pl
use strict;
use warnings;

use EV;            # the event loop AnyEvent uses (loaded first, so AnyEvent picks it)
use AnyEvent;
use AnyEvent::Fork;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

$| = 1;

sub now_ns { int(clock_gettime(CLOCK_MONOTONIC) * 1e9) }

# the template: a fork of AnyEvent::Fork's default template, with the child function compiled in
my $template = AnyEvent::Fork->new->eval(q{
   sub child {
      my ($fh) = @_;
      syswrite $fh, ".", 1;
      close $fh;
   }
});

# One sample: fork the template, run main::child; $on_byte->(ns from the fork call to the byte read)
# once the byte is read (never if the child closes its socket without writing), $on_gone->($got)
# at end of file.
sub sample {
   my ($on_byte, $on_gone) = @_;
   my $t0 = now_ns();
   $template->fork->run("main::child", sub {
      my ($fh) = @_;
      my $got = 0;
      my $w;
      $w = AE::io $fh, 0, sub {
         my $n = sysread $fh, my $buf, 1;
         if ($n && !$got) {
            my $t = now_ns();
            $got = 1;
            $on_byte->($t - $t0);
         } elsif (!$n) {    # end of file (or an error): the child is gone
            undef $w;
            close $fh;
            $on_gone->($got);
         }
      };
   });
}

sub burst {
   my ($k, $mode) = @_;
   my $cv = AE::cv;
   my @ns = (-1) x $k;
   my $started = 0;
   my $start;
   $start = sub {
      my $i = $started++;
      $cv->begin;
      sample(
         sub { $ns[$i] = shift; $start->() if $mode eq "seq" && $started < $k },
         sub { $cv->end },
      );
   };
   if ($mode eq "seq") {
      $start->();
   } else {
      $start->() for 1 .. $k;
   }
   $cv->recv;
   undef $start;
   print "sample $_ $ns[$_]\n" for 0 .. $k - 1;
   print "done\n";
}

sub sustain {
   my ($seconds) = @_;
   my $cv = AE::cv;
   my ($n, $failed) = (0, 0);
   my $t0 = now_ns();
   my $deadline = $t0 + $seconds * 1e9;
   my $end;
   my $next;
   $next = sub {
      if (now_ns() >= $deadline) {
         $end = now_ns();
         $cv->send;
         return;
      }
      sample(sub { }, sub { $_[0] ? $n++ : $failed++; $next->() });
   };
   $next->();
   $cv->recv;
   undef $next;
   print "sustained $n ", $end - $t0, " $failed\n";
}

# a first fork, untimed: starts AnyEvent::Fork's default template and ours
{
   my $cv = AE::cv;
   sample(sub { }, sub { $cv->send($_[0]) });
   $cv->recv or die "first-byte.pl: the first child wrote nothing\n";
}
printf "ready perl=%vd anyevent=%s anyevent-fork=%s ev=%s model=%s\n",
   $^V, $AnyEvent::VERSION, $AnyEvent::Fork::VERSION, $EV::VERSION, AnyEvent::detect();

while (my $line = <STDIN>) {
   my ($cmd, @arg) = split " ", $line;
   next unless defined $cmd;
   if ($cmd eq "burst" && @arg == 2 && $arg[0] =~ /^\d+$/ && $arg[1] =~ /^(seq|all)$/) {
      burst(@arg);
   } elsif ($cmd eq "sustain" && @arg == 1 && $arg[0] =~ /^[\d.]+$/) {
      sustain(@arg);
   } elsif ($cmd eq "quit") {
      last;
   } else {
      chomp $line;
      print "error unknown command: $line\n";
   }
}
undef $template;
exit 0;
