#include "textflag.h"

// Both functions read a block of 64 bytes at SI into X1-X4 (LOAD4), then
// compare each byte with X0 and store the block's word of bits at DI
// (MASK64: PMOVMSKB gives sixteen bits per compare), then step to the
// next block.
#define LOAD4 \
	MOVOU 0(SI), X1; \
	MOVOU 16(SI), X2; \
	MOVOU 32(SI), X3; \
	MOVOU 48(SI), X4

#define MASK64 \
	PCMPEQB X0, X1; \
	PCMPEQB X0, X2; \
	PCMPEQB X0, X3; \
	PCMPEQB X0, X4; \
	PMOVMSKB X1, AX; \
	PMOVMSKB X2, BX; \
	PMOVMSKB X3, DX; \
	PMOVMSKB X4, R8; \
	SHLQ $16, BX; \
	SHLQ $32, DX; \
	SHLQ $48, R8; \
	ORQ  BX, AX; \
	ORQ  DX, AX; \
	ORQ  R8, AX; \
	MOVQ AX, 0(DI); \
	ADDQ $64, SI; \
	ADDQ $8, DI

// func quoteBlocks(b []byte, out []uint64) (backslash bool)
// Four 16-byte compares with a vector of quotes per 64-byte block; each
// compare's byte mask (PMOVMSKB) is sixteen bits of the block's word.
// Compares with a vector of backslashes are ored into X6, read once at
// the end.
TEXT ·quoteBlocks(SB), NOSPLIT, $0-49
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	MOVQ out_base+24(FP), DI
	PXOR X6, X6
	SHRQ $6, CX
	JZ   done
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X0
	PUNPCKLQDQ X0, X0
	MOVQ $0x5c5c5c5c5c5c5c5c, AX
	MOVQ AX, X5
	PUNPCKLQDQ X5, X5

loop:
	LOAD4
	MOVOU X1, X7
	MOVOU X2, X8
	MOVOU X3, X9
	MOVOU X4, X10
	PCMPEQB X5, X7
	PCMPEQB X5, X8
	PCMPEQB X5, X9
	PCMPEQB X5, X10
	POR X7, X8
	POR X9, X10
	POR X8, X6
	POR X10, X6
	MASK64
	DECQ CX
	JNZ  loop

done:
	PMOVMSKB X6, AX
	TESTL AX, AX
	SETNE backslash+48(FP)
	RET

// func byteBlocks(b []byte, out []uint64, c byte)
// quoteBlocks' four compares per 64-byte block, with c for the quote and
// no other test.
TEXT ·byteBlocks(SB), NOSPLIT, $0-49
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	MOVQ out_base+24(FP), DI
	SHRQ $6, CX
	JZ   bdone
	MOVBQZX c+48(FP), AX
	MOVQ $0x0101010101010101, BX
	IMULQ BX, AX
	MOVQ AX, X0
	PUNPCKLQDQ X0, X0

bloop:
	LOAD4
	MASK64
	DECQ CX
	JNZ  bloop

bdone:
	RET
