// SPDX-License-Identifier: GPL-2.0
/*
 * The hello guest: prints a greeting and one computed line through the
 * 16550 UART at COM1 (I/O port 0x3f8), then returns to start.S, which HLTs.
 *
 * It runs with no firmware, no libc and no interrupts: everything it needs
 * is port I/O.  Each IN and OUT below traps to the VMM, which plays the UART.
 */

#define COM1		0x3f8
#define UART_THR	0	/* transmit holding register (write) */
#define UART_LSR	5	/* line status register (read) */
#define UART_LSR_THRE	0x20	/* THR empty: the UART takes another byte */

static inline void outb(unsigned short port, unsigned char val)
{
	asm volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline unsigned char inb(unsigned short port)
{
	unsigned char val;

	asm volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

/*
 * A polling driver, as a boot loader would write it: wait until the UART
 * says its transmit register is empty, then hand it the byte.  A VMM that
 * answers the LSR read with THRE set lets this through at once.
 */
static void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		;
	outb(COM1 + UART_THR, c);
}

static void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

static void serial_put_u64(unsigned long long n)
{
	char buf[21];	/* 2^64 - 1 has 20 digits */
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	do {
		buf[--i] = '0' + n % 10;
		n /= 10;
	} while (n);
	serial_puts(&buf[i]);
}

/* fib(90) is the largest Fibonacci number that still needs all 64 bits. */
static unsigned long long fib(unsigned int n)
{
	unsigned long long a = 0, b = 1, t;

	/* Hide n from the optimizer, or gcc would print a constant. */
	asm("" : "+r"(n));
	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

/* Called from start.S; ram_bytes comes from the VMM in RDI. */
void guest_main(unsigned long ram_bytes)
{
	serial_puts("Hello from a hv guest!\n");
	serial_puts("fib(90) = ");
	serial_put_u64(fib(90));
	serial_puts(" (guest RAM: ");
	serial_put_u64(ram_bytes >> 20);
	serial_puts(" MiB)\n");
}
