package sim_test

import (
	"fmt"

	"focallab/sim"
)

// A positive example at logit 0 has p_t = 1/2. With the defaults of Lin et
// al. 2017 (alpha 0.25, gamma 2), focal loss keeps alpha_t (1/2)^2 = 1/16 of
// the cross-entropy ln 2.
func ExampleEvalPoint() {
	p := sim.EvalPoint(0, 1, 0.25, 2)
	fmt.Printf("p_t %.4f, alpha_t %.2f, modulating %.4f\n", p.PT, p.AlphaT, p.Modulating)
	fmt.Printf("CE %.6f, FL %.6f, dFL/dz %.6f\n", p.CE, p.Focal, p.DFocalDz)

	// An easy negative: the loss almost vanishes, and the gradient pushes
	// the logit further down (positive dFL/dz).
	n := sim.EvalPoint(-5, 0, 0.25, 2)
	fmt.Printf("easy negative: p %.4f, FL %.3g, dFL/dz %.3g\n", n.P, n.Focal, n.DFocalDz)
	// Output:
	// p_t 0.5000, alpha_t 0.25, modulating 0.2500
	// CE 0.693147, FL 0.043322, dFL/dz -0.074572
	// easy negative: p 0.0067, FL 2.26e-07, dFL/dz 6.73e-07
}
