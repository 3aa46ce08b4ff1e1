package handlers

import (
	"errors"
	"fmt"
	"strings"
)

// This file is a small QR code decoder for the tests, written from ISO/IEC 18004 so that
// the QR code of a teacher link is checked by code other than the library that drew it.
// It reads a clean module matrix, as drawn (no camera, no damage): the format
// information, the data modules under their mask, the Reed–Solomon blocks (their check
// codewords are verified, not used for correction) and numeric, alphanumeric and byte
// segments.

// qrBlocksM is, per version from 1, the error correction codewords per block and the
// number of blocks at level M. The data codewords are split over the blocks as the
// standard does: later blocks get one more when they do not divide evenly.
var qrBlocksM = [][2]int{
	{10, 1}, {16, 1}, {26, 1}, {18, 2}, {24, 2}, {16, 4}, {18, 4}, {22, 4}, {22, 5}, {26, 5},
	{30, 5}, {22, 8}, {22, 9}, {24, 9}, {24, 10}, {28, 10}, {28, 11}, {26, 13}, {26, 14}, {26, 16},
}

// qrAlignment is, per version from 2, the row and column coordinates of alignment pattern centres.
var qrAlignment = [][]int{
	{6, 18}, {6, 22}, {6, 26}, {6, 30}, {6, 34}, {6, 22, 38}, {6, 24, 42}, {6, 26, 46}, {6, 28, 50},
	{6, 30, 54}, {6, 32, 58}, {6, 34, 62}, {6, 26, 46, 66}, {6, 26, 48, 70}, {6, 26, 50, 74},
	{6, 30, 54, 78}, {6, 30, 56, 82}, {6, 30, 58, 86}, {6, 34, 62, 90},
}

// decodeQR returns the text of a QR code given as its module matrix without quiet zone,
// matrix[row][column], true for dark. It supports level M and versions 1 to 20.
func decodeQR(matrix [][]bool) (string, error) {
	size := len(matrix)
	version := (size - 17) / 4
	if size < 21 || (size-17)%4 != 0 || version > len(qrBlocksM) {
		return "", fmt.Errorf("matrix of %d modules is not a QR code of version 1 to %d", size, len(qrBlocksM))
	}
	level, mask, err := qrFormat(matrix)
	if err != nil {
		return "", err
	}
	if level != 0b00 {
		return "", fmt.Errorf("error correction level bits %02b, want 00 (M)", level)
	}
	codewords := qrReadCodewords(matrix, version, mask)
	data, err := qrDeinterleave(codewords, version)
	if err != nil {
		return "", err
	}
	return qrSegments(data, version)
}

// qrFormat reads the copy of the format information around the top-left finder pattern
// and returns the error correction level bits and the mask pattern.
func qrFormat(m [][]bool) (level, mask int, err error) {
	var raw int
	read := func(row, col int) {
		raw <<= 1
		if m[row][col] {
			raw |= 1
		}
	}
	for col := 0; col <= 5; col++ {
		read(8, col)
	}
	read(8, 7)
	read(8, 8)
	read(7, 8)
	for row := 5; row >= 0; row-- {
		read(row, 8)
	}
	// The 15 bits are 5 data bits and a BCH(15, 5) remainder, XORed with 101010000010010.
	raw ^= 0x5412
	for data := range 32 {
		if qrFormatCodeword(data) == raw {
			return data >> 3, data & 7, nil
		}
	}
	return 0, 0, fmt.Errorf("format information %015b is not a valid codeword", raw)
}

// qrFormatCodeword appends the BCH remainder of generator 10100110111 to 5 data bits.
func qrFormatCodeword(data int) int {
	const generator = 0x537
	rem := data << 10
	for bit := 14; bit >= 10; bit-- {
		if rem&(1<<bit) != 0 {
			rem ^= generator << (bit - 10)
		}
	}
	return data<<10 | rem
}

// qrFunction marks the modules that are not data: finder patterns with their separators
// and format information, timing patterns, alignment patterns and version information.
func qrFunction(version int) [][]bool {
	size := 4*version + 17
	f := make([][]bool, size)
	for i := range f {
		f[i] = make([]bool, size)
	}
	area := func(row0, col0, rows, cols int) {
		for r := row0; r < row0+rows; r++ {
			for c := col0; c < col0+cols; c++ {
				f[r][c] = true
			}
		}
	}
	area(0, 0, 9, 9)      // top-left finder, separator, format information
	area(0, size-8, 9, 8) // top-right finder, separator, format information
	area(size-8, 0, 8, 9) // bottom-left finder, separator, format information, dark module
	area(6, 0, 1, size)   // horizontal timing pattern
	area(0, 6, size, 1)   // vertical timing pattern
	if version >= 2 {
		centres := qrAlignment[version-2]
		last := centres[len(centres)-1]
		for _, r := range centres {
			for _, c := range centres {
				if (r == 6 && c == 6) || (r == 6 && c == last) || (r == last && c == 6) {
					continue // these would overlap the finder patterns
				}
				area(r-2, c-2, 5, 5)
			}
		}
	}
	if version >= 7 {
		area(0, size-11, 6, 3) // version information, top right
		area(size-11, 0, 3, 6) // version information, bottom left
	}
	return f
}

// qrMasked reports whether mask pattern k inverts the module at (row, col).
func qrMasked(k, row, col int) bool {
	switch k {
	case 0:
		return (row+col)%2 == 0
	case 1:
		return row%2 == 0
	case 2:
		return col%3 == 0
	case 3:
		return (row+col)%3 == 0
	case 4:
		return (row/2+col/3)%2 == 0
	case 5:
		return row*col%2+row*col%3 == 0
	case 6:
		return (row*col%2+row*col%3)%2 == 0
	default:
		return ((row+col)%2+row*col%3)%2 == 0
	}
}

// qrReadCodewords reads the data modules in the standard order, two columns at a time
// from the right, upwards and downwards in turn, skipping the vertical timing column, and
// returns them as bytes. Leftover bits that do not fill a byte are dropped.
func qrReadCodewords(m [][]bool, version, mask int) []byte {
	size := len(m)
	function := qrFunction(version)
	var out []byte
	var cur byte
	n := 0
	upward := true
	for right := size - 1; right > 0; right -= 2 {
		if right == 6 {
			right = 5
		}
		for i := range size {
			row := i
			if upward {
				row = size - 1 - i
			}
			for _, col := range []int{right, right - 1} {
				if function[row][col] {
					continue
				}
				bit := m[row][col] != qrMasked(mask, row, col)
				cur <<= 1
				if bit {
					cur |= 1
				}
				n++
				if n == 8 {
					out = append(out, cur)
					cur, n = 0, 0
				}
			}
		}
		upward = !upward
	}
	return out
}

// qrDeinterleave splits the codewords into their blocks, checks each block's
// Reed–Solomon codewords and returns the data codewords in order.
func qrDeinterleave(codewords []byte, version int) ([]byte, error) {
	ecPerBlock, blocks := qrBlocksM[version-1][0], qrBlocksM[version-1][1]
	dataTotal := len(codewords) - ecPerBlock*blocks
	short := dataTotal / blocks
	long := dataTotal % blocks // the last `long` blocks have short+1 data codewords
	dataLen := func(b int) int {
		if b >= blocks-long {
			return short + 1
		}
		return short
	}
	data := make([][]byte, blocks)
	next := 0
	for i := 0; i <= short; i++ {
		for b := range blocks {
			if i < dataLen(b) {
				data[b] = append(data[b], codewords[next])
				next++
			}
		}
	}
	ec := make([][]byte, blocks)
	for range ecPerBlock {
		for b := range blocks {
			ec[b] = append(ec[b], codewords[next])
			next++
		}
	}
	var out []byte
	for b := range blocks {
		if want := reedSolomonRemainder(data[b], ecPerBlock); string(want) != string(ec[b]) {
			return nil, fmt.Errorf("block %d of %d: error correction codewords %x, want %x", b+1, blocks, ec[b], want)
		}
		out = append(out, data[b]...)
	}
	return out, nil
}

// reedSolomonRemainder returns the n check codewords of data over GF(256) with the
// polynomial x⁸ + x⁴ + x³ + x² + 1, generator ∏(x − 2^i) for i < n.
func reedSolomonRemainder(data []byte, n int) []byte {
	mul := func(a, b byte) byte {
		var p byte
		for b != 0 {
			if b&1 != 0 {
				p ^= a
			}
			carry := a&0x80 != 0
			a <<= 1
			if carry {
				a ^= 0x1d
			}
			b >>= 1
		}
		return p
	}
	generator := []byte{1}
	root := byte(1)
	for range n {
		next := make([]byte, len(generator)+1)
		for i, g := range generator {
			next[i] ^= g
			next[i+1] ^= mul(g, root)
		}
		generator = next
		root = mul(root, 2)
	}
	rem := make([]byte, n)
	for _, d := range data {
		factor := d ^ rem[0]
		copy(rem, rem[1:])
		rem[n-1] = 0
		for i := range n {
			rem[i] ^= mul(generator[i+1], factor)
		}
	}
	return rem
}

// qrBitReader reads big-endian bit fields from a byte slice.
type qrBitReader struct {
	data []byte
	pos  int // in bits
}

var errQRShort = errors.New("QR data ends inside a segment")

func (r *qrBitReader) read(n int) (int, error) {
	if r.pos+n > len(r.data)*8 {
		return 0, errQRShort
	}
	v := 0
	for range n {
		bit := r.data[r.pos/8] >> (7 - r.pos%8) & 1
		v = v<<1 | int(bit)
		r.pos++
	}
	return v, nil
}

// qrSegments parses the data codewords into text: numeric, alphanumeric and byte
// segments until the terminator or the end of the data.
func qrSegments(data []byte, version int) (string, error) {
	const alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	countBits := map[int][3]int{1: {10, 9, 8}, 10: {12, 11, 16}, 27: {14, 13, 16}} // numeric, alphanumeric, byte
	bitsFor := countBits[1]
	if version >= 27 {
		bitsFor = countBits[27]
	} else if version >= 10 {
		bitsFor = countBits[10]
	}
	r := &qrBitReader{data: data}
	var text strings.Builder
	for len(data)*8-r.pos >= 4 {
		mode, _ := r.read(4)
		var count int
		var err error
		switch mode {
		case 0b0000:
			return text.String(), nil
		case 0b0001:
			if count, err = r.read(bitsFor[0]); err != nil {
				return "", err
			}
			for count > 0 {
				digits := min(count, 3)
				v, err := r.read([]int{0, 4, 7, 10}[digits])
				if err != nil {
					return "", err
				}
				fmt.Fprintf(&text, "%0*d", digits, v)
				count -= digits
			}
		case 0b0010:
			if count, err = r.read(bitsFor[1]); err != nil {
				return "", err
			}
			for ; count >= 2; count -= 2 {
				v, err := r.read(11)
				if err != nil {
					return "", err
				}
				text.WriteByte(alphanumeric[v/45])
				text.WriteByte(alphanumeric[v%45])
			}
			if count == 1 {
				v, err := r.read(6)
				if err != nil {
					return "", err
				}
				text.WriteByte(alphanumeric[v])
			}
		case 0b0100:
			if count, err = r.read(bitsFor[2]); err != nil {
				return "", err
			}
			for range count {
				v, err := r.read(8)
				if err != nil {
					return "", err
				}
				text.WriteByte(byte(v))
			}
		default:
			return "", fmt.Errorf("unsupported QR mode %04b at bit %d", mode, r.pos-4)
		}
	}
	return text.String(), nil
}
