package sim

// The reference cases in ../testdata/focal-cases.json are reference cases
// from real-world bug reports, computed at 60 significant digits. The file
// is a copy of the project's reference set; each case names the public
// report that shows its fault kind. Expected values are the exact results
// rounded to float64, so the tolerance rule of the file,
// |got - want| <= max(rel*|want|, abs), applies to every number.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

const casesPath = "../testdata/focal-cases.json"

type tolerance struct {
	Rel float64 `json:"rel"`
	Abs float64 `json:"abs"`
}

type referenceCase struct {
	ID        string          `json:"id"`
	Input     json.RawMessage `json:"input"`
	Expected  json.RawMessage `json:"expected"`
	Tolerance tolerance       `json:"tolerance"`
}

// loadCases reads the reference file and returns its cases by id.
func loadCases(t *testing.T) map[string]referenceCase {
	t.Helper()
	raw, err := os.ReadFile(casesPath)
	if err != nil {
		t.Fatalf("reading reference cases: %v", err)
	}
	var file struct {
		Cases []referenceCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("parsing %s: %v", casesPath, err)
	}
	byID := make(map[string]referenceCase, len(file.Cases))
	for _, c := range file.Cases {
		byID[c.ID] = c
	}
	return byID
}

// getCase returns one case and decodes its input and expected values.
func getCase(t *testing.T, cases map[string]referenceCase, id string, input, expected any) tolerance {
	t.Helper()
	c, ok := cases[id]
	if !ok {
		t.Fatalf("case %s not found in %s", id, casesPath)
	}
	if err := json.Unmarshal(c.Input, input); err != nil {
		t.Fatalf("case %s: decoding input: %v", id, err)
	}
	if err := json.Unmarshal(c.Expected, expected); err != nil {
		t.Fatalf("case %s: decoding expected: %v", id, err)
	}
	return c.Tolerance
}

// checkClose reports an error unless |got - want| <= max(rel*|want|, abs).
func checkClose(t *testing.T, name string, got, want float64, tol tolerance) {
	t.Helper()
	if math.IsNaN(got) || math.IsInf(got, 0) {
		t.Errorf("%s = %v, want finite %v", name, got, want)
		return
	}
	if diff := math.Abs(got - want); diff > max(tol.Rel*math.Abs(want), tol.Abs) {
		t.Errorf("%s = %.17g, want %.17g (diff %.3g, rel %g, abs %g)", name, got, want, diff, tol.Rel, tol.Abs)
	}
}

// perSample is the input shape shared by most per-example cases.
type perSample struct {
	Z     []float64 `json:"z"`
	Y     []int     `json:"y"`
	Alpha float64   `json:"alpha"`
	Gamma float64   `json:"gamma"`
}

type lossAndGrad struct {
	Loss    []float64 `json:"loss"`
	DLossDz []float64 `json:"dloss_dz"`
}

// checkPerSample compares EvalPoint and FocalLoss with the expected loss and
// derivative of every example.
func checkPerSample(t *testing.T, in perSample, loss, dz []float64, tol tolerance) {
	t.Helper()
	if len(loss) != len(in.Z) || len(dz) != len(in.Z) {
		t.Fatalf("case shape: %d logits, %d losses, %d derivatives", len(in.Z), len(loss), len(dz))
	}
	for i, z := range in.Z {
		name := fmt.Sprintf("z=%g y=%d", z, in.Y[i])
		p := EvalPoint(z, in.Y[i], in.Alpha, in.Gamma)
		checkClose(t, name+" EvalPoint.Focal", p.Focal, loss[i], tol)
		checkClose(t, name+" EvalPoint.DFocalDz", p.DFocalDz, dz[i], tol)

		gotLoss, gotDz := FocalLoss(z, in.Y[i], in.Alpha, in.Gamma)
		if gotLoss != p.Focal || gotDz != p.DFocalDz {
			t.Errorf("%s: FocalLoss = (%g, %g), EvalPoint = (%g, %g); want identical", name, gotLoss, gotDz, p.Focal, p.DFocalDz)
		}
		if p.Focal < 0 {
			t.Errorf("%s: Focal = %g, want >= 0", name, p.Focal)
		}
	}
}

func TestReferenceCasesPerSample(t *testing.T) {
	cases := loadCases(t)
	// These cases share the shape {z, y, alpha, gamma} -> {loss, dloss_dz}.
	for _, id := range []string{"C01", "C03", "C04", "C08", "C10", "C12"} {
		t.Run(id, func(t *testing.T) {
			var in perSample
			var want lossAndGrad
			tol := getCase(t, cases, id, &in, &want)
			checkPerSample(t, in, want.Loss, want.DLossDz, tol)
		})
	}
}

func TestReferenceC01AlphaRatio(t *testing.T) {
	var in perSample
	var want struct {
		Ratio float64 `json:"ratio_neg_over_pos"`
	}
	tol := getCase(t, loadCases(t), "C01", &in, &want)
	pos := EvalPoint(in.Z[0], in.Y[0], in.Alpha, in.Gamma)
	neg := EvalPoint(in.Z[1], in.Y[1], in.Alpha, in.Gamma)
	checkClose(t, "negative/positive loss", neg.Focal/pos.Focal, want.Ratio, tol)
}

func TestReferenceC02LabelPolarity(t *testing.T) {
	var in struct {
		Z     []float64 `json:"z"`
		Alpha float64   `json:"alpha"`
		Gamma float64   `json:"gamma"`
		YA    []int     `json:"variant_a_y"`
		YB    []int     `json:"variant_b_y"`
	}
	var want struct {
		MeanA float64   `json:"variant_a_mean"`
		MeanB float64   `json:"variant_b_mean"`
		LossA []float64 `json:"variant_a_loss"`
		LossB []float64 `json:"variant_b_loss"`
		DzA   []float64 `json:"variant_a_dloss_dz"`
		DzB   []float64 `json:"variant_b_dloss_dz"`
	}
	tol := getCase(t, loadCases(t), "C02", &in, &want)
	for _, v := range []struct {
		name     string
		y        []int
		loss, dz []float64
		mean     float64
	}{
		{"variant a", in.YA, want.LossA, want.DzA, want.MeanA},
		{"variant b", in.YB, want.LossB, want.DzB, want.MeanB},
	} {
		t.Run(v.name, func(t *testing.T) {
			checkPerSample(t, perSample{Z: in.Z, Y: v.y, Alpha: in.Alpha, Gamma: in.Gamma}, v.loss, v.dz, tol)
			sum, _ := BatchFocalLoss(in.Z, toLabels(v.y), in.Alpha, in.Gamma, nil)
			checkClose(t, "sum/2", sum/2, v.mean, tol)
		})
	}
}

func TestReferenceC05GammaZero(t *testing.T) {
	var in struct {
		Z      []float64 `json:"z"`
		Y      []int     `json:"y"`
		Gamma  float64   `json:"gamma"`
		AlphaA float64   `json:"alpha_a"`
		AlphaB float64   `json:"alpha_b"`
		Paddle struct {
			Z      float64 `json:"z"`
			Y      int     `json:"y"`
			Gamma  float64 `json:"gamma"`
			Alpha  float64 `json:"alpha"`
			Factor float64 `json:"factor"`
		} `json:"paddle_check"`
	}
	var want struct {
		BCE          []float64 `json:"bce"`
		LossHalf     []float64 `json:"loss_alpha_0_5"`
		DzHalf       []float64 `json:"dloss_dz_alpha_0_5"`
		LossDisabled []float64 `json:"loss_alpha_disabled"`
		DzDisabled   []float64 `json:"dloss_dz_alpha_disabled"`
		PaddleFL     float64   `json:"paddle_check_2xFL_gamma1"`
		PaddleBCE    float64   `json:"paddle_check_bce"`
	}
	tol := getCase(t, loadCases(t), "C05", &in, &want)

	t.Run("alpha 0.5", func(t *testing.T) {
		checkPerSample(t, perSample{Z: in.Z, Y: in.Y, Alpha: in.AlphaA, Gamma: in.Gamma}, want.LossHalf, want.DzHalf, tol)
	})
	t.Run("alpha disabled", func(t *testing.T) {
		// The file writes the disabled alpha as -1, which is NoAlpha.
		if in.AlphaB != NoAlpha {
			t.Fatalf("alpha_b = %g, want NoAlpha (%g)", in.AlphaB, NoAlpha)
		}
		checkPerSample(t, perSample{Z: in.Z, Y: in.Y, Alpha: in.AlphaB, Gamma: in.Gamma}, want.LossDisabled, want.DzDisabled, tol)
	})
	t.Run("cross-entropy", func(t *testing.T) {
		for i, z := range in.Z {
			p := EvalPoint(z, in.Y[i], 0.25, 2)
			checkClose(t, fmt.Sprintf("CE z=%g y=%d", z, in.Y[i]), p.CE, want.BCE[i], tol)
		}
	})
	t.Run("2xFL gamma 1 is not CE", func(t *testing.T) {
		c := in.Paddle
		p := EvalPoint(c.Z, c.Y, c.Alpha, c.Gamma)
		checkClose(t, "2*FL", c.Factor*p.Focal, want.PaddleFL, tol)
		checkClose(t, "CE", p.CE, want.PaddleBCE, tol)
	})
}

func TestReferenceC06SaturatedGammaZero(t *testing.T) {
	var in perSample
	var want struct {
		lossAndGrad
		Float64Dz []float64 `json:"float64_dloss_dz"`
	}
	tol := getCase(t, loadCases(t), "C06", &in, &want)
	checkPerSample(t, in, want.Loss, want.DLossDz, tol)
	checkPerSample(t, in, want.Loss, want.Float64Dz, tol)
}

func TestReferenceC13ProbabilityInput(t *testing.T) {
	var in struct {
		P     []float64 `json:"p"`
		Y     []int     `json:"y"`
		Alpha float64   `json:"alpha"`
		Gamma float64   `json:"gamma"`
	}
	var want struct {
		Loss []float64 `json:"loss"`
		Dz   []float64 `json:"dloss_dz_at_equivalent_logit"`
	}
	tol := getCase(t, loadCases(t), "C13", &in, &want)
	for i, p := range in.P {
		t.Run(fmt.Sprintf("p=%g y=%d", p, in.Y[i]), func(t *testing.T) {
			// The inputs are probabilities, so the equivalent logit is
			// logit(p) = log(p) - log1p(-p).
			z := math.Log(p) - math.Log1p(-p)
			got := EvalPoint(z, in.Y[i], in.Alpha, in.Gamma)
			checkClose(t, "Focal at logit(p)", got.Focal, want.Loss[i], tol)
			checkClose(t, "DFocalDz at logit(p)", got.DFocalDz, want.Dz[i], tol)

			pt, alphaT := p, in.Alpha
			if in.Y[i] == 0 {
				pt, alphaT = 1-p, 1-in.Alpha
			}
			checkClose(t, "FocalPT", FocalPT(pt, alphaT, in.Gamma), want.Loss[i], tol)
		})
	}
}

func TestReferenceC14AlphaApplied(t *testing.T) {
	var in struct {
		Z     []float64 `json:"z"`
		Y     []int     `json:"y"`
		Gamma float64   `json:"gamma"`
		Alpha float64   `json:"alpha"`
		DocsZ []float64 `json:"docs_example_z"`
	}
	var want struct {
		MeanWithout     float64   `json:"mean_without_alpha"`
		MeanWith        float64   `json:"mean_with_alpha_0_25"`
		PerSample       []float64 `json:"per_sample_with_alpha"`
		Dz              []float64 `json:"dloss_dz_with_alpha"`
		DocsMeanWithout float64   `json:"docs_example_mean_without_alpha"`
		DocsMeanWith    float64   `json:"docs_example_mean_with_alpha_0_25"`
	}
	tol := getCase(t, loadCases(t), "C14", &in, &want)
	checkPerSample(t, perSample{Z: in.Z, Y: in.Y, Alpha: in.Alpha, Gamma: in.Gamma}, want.PerSample, want.Dz, tol)

	labels := toLabels(in.Y)
	for _, c := range []struct {
		name  string
		z     []float64
		alpha float64
		want  float64
	}{
		{"mean with alpha", in.Z, in.Alpha, want.MeanWith},
		{"mean without alpha", in.Z, NoAlpha, want.MeanWithout},
		{"docs mean with alpha", in.DocsZ, in.Alpha, want.DocsMeanWith},
		{"docs mean without alpha", in.DocsZ, NoAlpha, want.DocsMeanWithout},
	} {
		sum, _ := BatchFocalLoss(c.z, labels, c.alpha, in.Gamma, nil)
		checkClose(t, c.name, sum/float64(len(c.z)), c.want, tol)
	}
}

func TestReferenceC15ZeroPositives(t *testing.T) {
	type batch struct {
		Z []float64 `json:"z"`
		Y []int     `json:"y"`
	}
	var in struct {
		A     batch   `json:"case_a"`
		B     batch   `json:"case_b"`
		Alpha float64 `json:"alpha"`
		Gamma float64 `json:"gamma"`
	}
	var want struct {
		NumPosA int       `json:"case_a_num_pos"`
		LossA   float64   `json:"case_a_loss"`
		DzA     []float64 `json:"case_a_dloss_dz"`
		NumPosB int       `json:"case_b_num_pos"`
		LossB   float64   `json:"case_b_loss"`
		DzB     []float64 `json:"case_b_dloss_dz"`
	}
	tol := getCase(t, loadCases(t), "C15", &in, &want)
	for _, c := range []struct {
		name   string
		in     batch
		numPos int
		loss   float64
		dz     []float64
	}{
		{"no positives", in.A, want.NumPosA, want.LossA, want.DzA},
		{"one positive", in.B, want.NumPosB, want.LossB, want.DzB},
	} {
		t.Run(c.name, func(t *testing.T) {
			grad := make([]float64, len(c.in.Z))
			sum, numPos := BatchFocalLoss(c.in.Z, toLabels(c.in.Y), in.Alpha, in.Gamma, grad)
			if numPos != c.numPos {
				t.Errorf("numPos = %d, want %d", numPos, c.numPos)
			}
			checkClose(t, "Reduce", Reduce(sum, numPos), c.loss, tol)
			// The expected gradients are per example, before the reduction.
			for i := range grad {
				checkClose(t, fmt.Sprintf("grad[%d]", i), grad[i], c.dz[i], tol)
			}
		})
	}
}

func TestReferenceC16Reductions(t *testing.T) {
	var in perSample
	var want struct {
		Loss        []float64 `json:"loss_per_sample"`
		Dz          []float64 `json:"dloss_dz_per_sample"`
		Sum         float64   `json:"sum"`
		Mean        float64   `json:"mean_over_6"`
		SumOverPos  float64   `json:"sum_over_num_pos_2"`
		DMean       []float64 `json:"dmean_dz"`
		DSumOverPos []float64 `json:"dsum_over_num_pos_dz"`
	}
	tol := getCase(t, loadCases(t), "C16", &in, &want)
	checkPerSample(t, in, want.Loss, want.Dz, tol)

	grad := make([]float64, len(in.Z))
	sum, numPos := BatchFocalLoss(in.Z, toLabels(in.Y), in.Alpha, in.Gamma, grad)
	n := float64(len(in.Z))
	checkClose(t, "sum", sum, want.Sum, tol)
	checkClose(t, "sum/n", sum/n, want.Mean, tol)
	checkClose(t, "Reduce", Reduce(sum, numPos), want.SumOverPos, tol)
	for i := range grad {
		checkClose(t, fmt.Sprintf("grad[%d]/n", i), grad[i]/n, want.DMean[i], tol)
		checkClose(t, fmt.Sprintf("grad[%d]/Normalizer", i), grad[i]/Normalizer(numPos), want.DSumOverPos[i], tol)
	}
}

func TestReferenceC19HandDerived(t *testing.T) {
	type point struct {
		Z       float64 `json:"z"`
		Y       int     `json:"y"`
		Loss    float64 `json:"loss"`
		DLossDz float64 `json:"dloss_dz"`
	}
	var in struct {
		Alpha float64 `json:"alpha"`
		Gamma float64 `json:"gamma"`
	}
	var want struct {
		Points []point `json:"points"`
	}
	tol := getCase(t, loadCases(t), "C19", &in, &want)
	if len(want.Points) == 0 {
		t.Fatal("case C19 has no points")
	}
	for _, p := range want.Points {
		got := EvalPoint(p.Z, p.Y, in.Alpha, in.Gamma)
		name := fmt.Sprintf("z=%g y=%d", p.Z, p.Y)
		checkClose(t, name+" Focal", got.Focal, p.Loss, tol)
		checkClose(t, name+" DFocalDz", got.DFocalDz, p.DLossDz, tol)
	}
}

func TestReferenceC21EmptyBatch(t *testing.T) {
	var in perSample
	var want struct {
		Sum float64 `json:"sum"`
	}
	tol := getCase(t, loadCases(t), "C21", &in, &want)
	grad := []float64{}
	sum, numPos := BatchFocalLoss(in.Z, toLabels(in.Y), in.Alpha, in.Gamma, grad)
	checkClose(t, "sum", sum, want.Sum, tol)
	if numPos != 0 {
		t.Errorf("numPos = %d, want 0", numPos)
	}
	if got := Reduce(sum, numPos); got != 0 {
		t.Errorf("Reduce(empty) = %g, want 0", got)
	}
}

func TestReferenceC22PriorBias(t *testing.T) {
	var in struct {
		Pi    []float64 `json:"pi"`
		Alpha float64   `json:"alpha"`
		Gamma float64   `json:"gamma"`
		Batch struct {
			NumPos int `json:"num_pos"`
			NumNeg int `json:"num_neg"`
		} `json:"batch"`
	}
	var want struct {
		Bias    []float64 `json:"bias"`
		Sigmoid []float64 `json:"sigmoid_of_bias"`
		AtPrior struct {
			Pos    float64 `json:"pos"`
			Neg    float64 `json:"neg"`
			DPosDz float64 `json:"dpos_dz"`
			DNegDz float64 `json:"dneg_dz"`
		} `json:"per_sample_at_b_pi_0_01"`
		LossPrior     float64 `json:"initial_loss_bias_prior"`
		LossZero      float64 `json:"initial_loss_bias_zero"`
		LossWrongSign float64 `json:"initial_loss_bias_wrong_sign"`
	}
	tol := getCase(t, loadCases(t), "C22", &in, &want)

	for i, pi := range in.Pi {
		b := PriorBias(pi)
		checkClose(t, fmt.Sprintf("PriorBias(%g)", pi), b, want.Bias[i], tol)
		checkClose(t, fmt.Sprintf("sigmoid(PriorBias(%g))", pi), EvalPoint(b, 1, NoAlpha, 0).P, want.Sigmoid[i], tol)
	}

	b := PriorBias(0.01)
	pos := EvalPoint(b, 1, in.Alpha, in.Gamma)
	neg := EvalPoint(b, 0, in.Alpha, in.Gamma)
	checkClose(t, "positive loss at prior bias", pos.Focal, want.AtPrior.Pos, tol)
	checkClose(t, "negative loss at prior bias", neg.Focal, want.AtPrior.Neg, tol)
	checkClose(t, "positive dz at prior bias", pos.DFocalDz, want.AtPrior.DPosDz, tol)
	checkClose(t, "negative dz at prior bias", neg.DFocalDz, want.AtPrior.DNegDz, tol)

	// One positive and 99 negatives, every logit equal to the bias.
	n := in.Batch.NumPos + in.Batch.NumNeg
	labels := make([]uint8, n)
	for i := range in.Batch.NumPos {
		labels[i] = 1
	}
	for _, c := range []struct {
		name string
		bias float64
		want float64
	}{
		{"prior bias", b, want.LossPrior},
		{"zero bias", 0, want.LossZero},
		{"wrong sign", -b, want.LossWrongSign},
	} {
		z := make([]float64, n)
		for i := range z {
			z[i] = c.bias
		}
		sum, numPos := BatchFocalLoss(z, labels, in.Alpha, in.Gamma, nil)
		checkClose(t, "initial loss, "+c.name, Reduce(sum, numPos), c.want, tol)
	}

	if m := NewModel(true); m.W[0] != b {
		t.Errorf("NewModel(true).W[0] = %g, want PriorBias(0.01) = %g", m.W[0], b)
	}
}

func TestReferenceC23C24TiedAUC(t *testing.T) {
	type scored struct {
		Y     []int     `json:"y"`
		Score []float64 `json:"score"`
	}
	cases := loadCases(t)

	var in23 struct {
		A scored `json:"case_a"`
		B scored `json:"case_b"`
	}
	var want23 struct {
		A float64 `json:"case_a_auc"`
		B float64 `json:"case_b_auc"`
	}
	tol23 := getCase(t, cases, "C23", &in23, &want23)

	var in24 scored
	var want24 struct {
		AUC float64 `json:"auc"`
	}
	tol24 := getCase(t, cases, "C24", &in24, &want24)

	for _, c := range []struct {
		name string
		in   scored
		want float64
		tol  tolerance
	}{
		{"C23 case a", in23.A, want23.A, tol23},
		{"C23 case b", in23.B, want23.B, tol23},
		{"C24", in24, want24.AUC, tol24},
	} {
		t.Run(c.name, func(t *testing.T) {
			auc, ok := ROCAUC(c.in.Score, toLabels(c.in.Y), nil)
			if !ok {
				t.Fatal("ROCAUC ok = false, want true")
			}
			checkClose(t, "AUC", auc, c.want, c.tol)
		})
	}
}

func TestReferenceC26AveragePrecision(t *testing.T) {
	type scored struct {
		Y     []int     `json:"y"`
		Score []float64 `json:"score"`
	}
	var in struct {
		A scored `json:"case_a"`
		B scored `json:"case_b"`
		C scored `json:"case_c"`
	}
	var want struct {
		B float64 `json:"case_b_ap"`
		C float64 `json:"case_c_ap"`
	}
	tol := getCase(t, loadCases(t), "C26", &in, &want)

	t.Run("no positives", func(t *testing.T) {
		ap, ok := AveragePrecision(in.A.Score, toLabels(in.A.Y), nil)
		if ok {
			t.Errorf("AveragePrecision ok = true (AP %g), want false", ap)
		}
		if ap != 0 {
			t.Errorf("undefined AP = %g, want 0", ap)
		}
	})
	for _, c := range []struct {
		name string
		in   scored
		want float64
	}{
		{"all positives", in.B, want.B},
		{"mixed", in.C, want.C},
	} {
		t.Run(c.name, func(t *testing.T) {
			ap, ok := AveragePrecision(c.in.Score, toLabels(c.in.Y), nil)
			if !ok {
				t.Fatal("AveragePrecision ok = false, want true")
			}
			checkClose(t, "AP", ap, c.want, tol)
		})
	}
}

// toLabels converts int labels from the reference file to the uint8 labels
// of the batch and metric functions.
func toLabels(y []int) []uint8 {
	labels := make([]uint8, len(y))
	for i, v := range y {
		labels[i] = uint8(v)
	}
	return labels
}
