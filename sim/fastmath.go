package sim

import (
	"math"
	"math/big"
)

// The focal-loss kernels spend most of their time in e^-|x_t| and
// log(1 + e^-|x_t|). expNeg and log1pUnit compute them from small tables
// instead of calling math.Exp and math.Log1p: no division, no special-case
// branches, and short polynomials whose terms are evaluated side by side
// rather than in one chain. BENCHMARKS.md gives the speed-up.
//
// Against 200-bit references (TestExpNegAccuracy, TestLog1pUnitAccuracy),
// expNeg is within 1 ulp and log1pUnit within 2 ulp. Both are exact where
// the argument is a table point: expNeg(0) = 1 and log1pUnit(1) = math.Log1p(1).

const (
	// expTableBits sets the 2^(j/256) table of expNeg.
	expTableBits = 8
	expTableSize = 1 << expTableBits

	// ln2Part is ln(2)/256 split into a head, float64(ln2Part) with its low
	// 22 bits cleared, and the rest. The head has 31 significant bits, so
	// k*ln2PartHi is exact for |k| < 2^22, and expNeg needs |k| < 2^18.
	ln2Part     = math.Ln2 / expTableSize
	ln2PartHi   = 0x1.62e42fecp-09
	ln2PartLo   = ln2Part - ln2PartHi
	invLn2Parts = expTableSize / math.Ln2

	// roundMagic is 1.5*2^52. Adding it to a float64 of magnitude below 2^51
	// rounds that value to an integer, which the low bits of the sum hold.
	roundMagic = 0x1.8p52

	// expNegFastMax is the largest argument that expNeg takes through the
	// table. Up to it, e^-a is a normal float64 (e^-708 > 2^-1022).
	expNegFastMax = 708

	// log1pTableBits sets the log(1 + j/256) table of log1pUnit.
	log1pTableBits = 8
	log1pTableSize = 1 << log1pTableBits
)

var (
	// exp2Hi[j] + exp2Lo[j] is 2^(j/256) to about 106 bits.
	exp2Hi, exp2Lo = exp2Table()
	// log1pTable[j] is log(1 + j/256) and log1pInv[j] is 1/(1 + j/256),
	// each rounded to float64, for j = 0..256. The entries past 256 are
	// never used for e in [0, 1]; they let any 9-bit index in without a
	// bounds check.
	log1pTable, log1pInv = log1pTables()
)

// exp2Table computes 2^(j/256) for j = 0..255 as a sum of two float64s by
// two Newton steps on x^256 = 2^j in 160-bit arithmetic, starting from
// math.Exp2. Each step doubles the correct bits, from about 53 to over 106.
// It runs once, when the package is initialised, in under a millisecond.
func exp2Table() (hi, lo [expTableSize]float64) {
	const prec = 160
	for j := range expTableSize {
		x := new(big.Float).SetPrec(prec).SetFloat64(math.Exp2(float64(j) / expTableSize))
		target := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), j)
		power := new(big.Float).SetPrec(prec)
		step := new(big.Float).SetPrec(prec)
		for range 2 {
			power.Set(x)
			for range expTableBits {
				power.Mul(power, power) // x^256 after 8 squarings
			}
			// x -= (x^256 - 2^j) / (256 x^255) = (x^256 - 2^j) x / (256 x^256)
			step.Sub(power, target)
			step.Mul(step, x)
			power.Mul(power, big.NewFloat(expTableSize))
			step.Quo(step, power)
			x.Sub(x, step)
		}
		hi[j], _ = x.Float64()
		x.Sub(x, new(big.Float).SetFloat64(hi[j]))
		lo[j], _ = x.Float64()
	}
	return hi, lo
}

func log1pTables() (logs, invs [2 * log1pTableSize]float64) {
	for j := range log1pTableSize + 1 {
		c := float64(j) / log1pTableSize
		logs[j] = math.Log1p(c)
		invs[j] = 1 / (1 + c)
	}
	return logs, invs
}

// expNeg returns e^-a for a >= 0. NaN, +Inf and a > 708 go to math.Exp.
//
// It writes -a = (256k + j) ln(2)/256 + r with |r| <= ln(2)/512, so that
// e^-a = 2^k 2^(j/256) e^r. The degree-4 Taylor polynomial of e^r - 1 leaves
// a relative error below |r|^5/120 < 4e-17.
func expNeg(a float64) float64 {
	if !(a <= expNegFastMax) {
		return math.Exp(-a)
	}
	return expNegTable(a)
}

// expNegTable is expNeg for 0 <= a <= 708, through expNegAbsBlock.
func expNegTable(a float64) float64 {
	in := [1]float64{a}
	var out [1]float64
	expNegAbsBlock(out[:], in[:])
	return out[0]
}

// expNegAbsBlock sets dst[i] to e^-|src[i]| for each value of src, by the
// method of expNeg. |src[i]| above 708, infinities and NaN give a meaningless
// result, but never a panic. One loop over a block costs less than a call per
// value, and the processor overlaps its iterations.
func expNegAbsBlock(dst, src []float64) {
	dst = dst[:len(src)]
	for i, v := range src {
		x := -math.Abs(v)
		shifted := x*invLn2Parts + roundMagic
		kf := shifted - roundMagic // round(x*256/ln 2)
		k := int64(math.Float64bits(shifted)) - int64(math.Float64bits(roundMagic))
		r := (x - kf*ln2PartHi) - kf*ln2PartLo
		r2 := r * r
		expm1 := r + r2*((1.0/2+r*(1.0/6))+r2*(1.0/24))

		j := k & (expTableSize - 1)
		hi := exp2Hi[j]
		scale := math.Float64frombits(uint64(k>>expTableBits+1023) << 52) // 2^floor(k/256), a normal number here
		dst[i] = (hi + (hi*expm1 + exp2Lo[j])) * scale
	}
}

// log1pUnit returns log(1 + e) for 0 <= e <= 1.
//
// It rounds 256e to the integer j, so that d = e - j/256 is exact and
// |d| <= 1/512, and returns log(1 + j/256) + log1p(d/(1 + j/256)). The
// degree-6 Taylor polynomial of log1p leaves a relative error below
// (1/512)^6/7 < 1e-17.
func log1pUnit(e float64) float64 {
	in := [1]float64{e}
	var out [1]float64
	log1pUnitBlock(out[:], in[:])
	return out[0]
}

// log1pUnitBlock sets dst[i] to log(1 + src[i]) for each value of src, by the
// method of log1pUnit. Values outside [0, 1], NaN included, give a
// meaningless result, but never a panic.
func log1pUnitBlock(dst, src []float64) {
	dst = dst[:len(src)]
	for i, e := range src {
		shifted := e*log1pTableSize + roundMagic
		j := math.Float64bits(shifted) & (2*log1pTableSize - 1) // round(256e) for e in [0, 1]
		d := e - (shifted-roundMagic)*(1.0/log1pTableSize)
		r := d * log1pInv[j]
		r2 := r * r
		r4 := r2 * r2
		// r - r²/2 + r³/3 - r⁴/4 + r⁵/5 - r⁶/6 in pairs, so the three pairs and
		// the powers of r are computed side by side.
		p01 := r * (1 - r*(1.0/2))
		p23 := r * (1.0/3 - r*(1.0/4))
		p45 := r * (1.0/5 - r*(1.0/6))
		dst[i] = log1pTable[j] + (p01 + r2*p23 + r4*p45)
	}
}
