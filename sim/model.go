package sim

// NumFeatures is the width of the fixed cubic feature map.
const NumFeatures = 10

// PriorPi is the initial probability of the positive class when a model uses
// the prior initialisation (Lin et al. 2017, section 3.3, pi = 0.01).
const PriorPi = 0.01

// Features writes phi(x,y) = [1, u, v, u², uv, v², u³, u²v, uv², v³] with
// u = x/2 and v = y/2. The halving keeps the cubic terms of points in
// [-4, 4]² within [-8, 8], so all weights work on similar scales.
func Features(x, y float64, phi *[NumFeatures]float64) {
	u, v := x/2, y/2
	uu, uv, vv := u*u, u*v, v*v
	phi[0] = 1
	phi[1] = u
	phi[2] = v
	phi[3] = uu
	phi[4] = uv
	phi[5] = vv
	phi[6] = uu * u
	phi[7] = uu * v
	phi[8] = u * vv
	phi[9] = vv * v
}

// Model is logistic regression on the fixed cubic features:
// logit = w . phi(x,y). It can draw a closed, non-linear boundary around the
// positive cluster. The zero value predicts probability 0.5 everywhere.
type Model struct{ W [NumFeatures]float64 }

// Logit returns w . phi(x,y). The probability of the positive class is
// sigmoid(Logit).
func (m *Model) Logit(x, y float64) float64 {
	var phi [NumFeatures]float64
	Features(x, y, &phi)
	return m.dot(&phi)
}

// dot returns w . phi, summed in index order. It is written out term by term
// because the loop form costs a counter, a compare and a branch per term,
// which made it the largest cost of Step and Frame.
func (m *Model) dot(phi *[NumFeatures]float64) float64 {
	w := &m.W
	s := 0.0 // adding each term to +0 keeps the loop's result, -0 included
	s += w[0] * phi[0]
	s += w[1] * phi[1]
	s += w[2] * phi[2]
	s += w[3] * phi[3]
	s += w[4] * phi[4]
	s += w[5] * phi[5]
	s += w[6] * phi[6]
	s += w[7] * phi[7]
	s += w[8] * phi[8]
	s += w[9] * phi[9]
	return s
}

// NewModel returns a model with all weights 0. If prior is true, the bias
// W[0] is PriorBias(PriorPi), about -4.595, so every point starts at
// probability 0.01.
func NewModel(prior bool) Model {
	var m Model
	if prior {
		m.W[0] = PriorBias(PriorPi)
	}
	return m
}
