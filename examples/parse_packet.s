# Parse an Ethernet frame (optionally 802.1Q-tagged) carrying IPv4 and
# return (IP protocol << 16) | destination port, or 0 for anything else.
# r1 = frame, r2 = its length. Every header is bounds-checked against r2.
mov %r0, 0
jlt %r2, 14, done            # shorter than an Ethernet header
ldxh %r3, [%r1+12]           # EtherType, network order
be16 %r3                     # ... to host order
mov %r4, 14                  # r4 = offset of the network header
jne %r3, 0x8100, untagged
jlt %r2, 18, done            # VLAN tag: the real EtherType follows it
ldxh %r3, [%r1+16]
be16 %r3
mov %r4, 18
untagged:
jne %r3, 0x0800, done        # IPv4 only
mov %r6, %r4
add %r6, 20
jgt %r6, %r2, done           # no room for a minimal IPv4 header
mov %r5, %r1
add %r5, %r4                 # r5 = IPv4 header
ldxb %r6, [%r5+0]            # version and header length
and %r6, 0xf
lsh %r6, 2                   # header length in bytes
jlt %r6, 20, done
ldxb %r7, [%r5+9]            # protocol
mov %r8, %r4
add %r8, %r6
add %r8, 4
jgt %r8, %r2, done           # no room for the ports
add %r5, %r6                 # r5 = transport header
ldxh %r0, [%r5+2]            # destination port
be16 %r0
lsh %r7, 16
or %r0, %r7
done:
exit
