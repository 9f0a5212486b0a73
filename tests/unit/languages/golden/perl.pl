# A golden case for the language registry.
use strict;
my $name = "world";
print "hello $name\n";
